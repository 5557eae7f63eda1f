"""A running `phananh serve` process, as the live-server tests see it: its URL, database,
environment, process and log, and a way to read its own database from the test's event loop."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.db import make_engine


@contextlib.asynccontextmanager
async def private_session(db_url: str) -> AsyncIterator[AsyncSession]:
    """A session on its own engine (the app's global engine belongs to the app's event loop),
    committed at the end and the engine disposed."""
    engine = make_engine(db_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as s:
            yield s
            await s.commit()
    finally:
        await engine.dispose()


@dataclass
class LiveApp:
    url: str
    db_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    def session(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        """A session on the live app's own database (its own engine, this event loop)."""
        return private_session(self.db_url)

    async def scalar(self, statement: Any) -> Any:
        """One value from the live app's own database."""
        async with self.session() as s:
            return await s.scalar(statement)

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
