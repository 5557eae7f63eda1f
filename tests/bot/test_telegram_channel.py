"""The Telegram channel without a token: no aiogram at start-up, clear refusals (bot/telegram/channel.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.core.config import get_settings
from backend.notifications.channels import DeliveryError
from backend.notifications.messages import OutgoingMessage
from bot.telegram import channel

ROOT = Path(__file__).resolve().parents[2]

START_AND_STOP = """
import asyncio, sys
from backend.main import create_app

async def main():
    app = create_app()
    async with app.router.lifespan_context(app):
        pass

asyncio.run(main())
print(sorted(m for m in sys.modules if m.split(".")[0] == "aiogram")[:3])
"""


@pytest.fixture()
def no_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_app_starts_and_stops_without_importing_aiogram_when_telegram_is_not_configured(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    result = subprocess.run(
        [sys.executable, "-c", START_AND_STOP], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


async def test_a_telegram_message_without_a_token_is_a_delivery_error(no_token: None) -> None:
    with pytest.raises(DeliveryError, match="TELEGRAM_BOT_TOKEN"):
        await channel.send_notification("12345", [OutgoingMessage(text="Xin chào")])


async def test_recovery_without_a_token_redelivers_nothing(no_token: None) -> None:
    assert await channel.recover() == {"telegram_redelivered": 0}
