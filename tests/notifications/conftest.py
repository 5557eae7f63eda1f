"""Outbox delivery against a Zalo stand-in, in this process, on the test database."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

sys.path.insert(0, str(Path(__file__).parents[1] / "bot"))  # standins
from standins import ZaloStandIn

import bot.dialogue.models
import bot.zalo.models  # noqa: F401


@pytest_asyncio.fixture(loop_scope="session")
async def zalo(session) -> AsyncIterator[ZaloStandIn]:
    """A Zalo stand-in, with the settings pointing at it for the length of one test."""
    from backend.core.config import get_settings
    from bot.zalo import client, tokens

    server = ZaloStandIn()
    await server.start()
    saved = {k: os.environ.get(k) for k in server.env()}
    os.environ.update(server.env())
    get_settings.cache_clear()
    tokens._cache.clear()
    client.DEFAULT_TIMEOUT, saved_timeout = 1.0, client.DEFAULT_TIMEOUT
    yield server
    client.DEFAULT_TIMEOUT = saved_timeout
    tokens._cache.clear()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    await server.stop()
