"""Fixtures for dialogue transcripts."""

from __future__ import annotations

from typing import Any

import pytest
from chatkit import Chat
from sqlalchemy.ext.asyncio import AsyncSession

import bot.dialogue.models  # noqa: F401  (tables emptied between tests)
import bot.zalo.models  # noqa: F401


@pytest.fixture
def chat(session: AsyncSession) -> Chat:
    return Chat(session)


@pytest.fixture
def make_chat(session: AsyncSession) -> Any:
    def make(**kw: Any) -> Chat:
        return Chat(session, **kw)

    return make
