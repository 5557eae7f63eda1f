"""Fixtures for dialogue transcripts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).parent))  # chatkit, stand-ins: helpers shared by these tests
from chatkit import Chat

import bot.dialogue.models
import bot.zalo.models  # noqa: F401


@pytest.fixture
def chat(session: AsyncSession) -> Chat:
    return Chat(session)


@pytest.fixture
def make_chat(session: AsyncSession) -> Any:
    def make(**kw: Any) -> Chat:
        return Chat(session, **kw)

    return make
