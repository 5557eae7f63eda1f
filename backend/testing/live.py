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


@dataclass
class LiveApp:
    url: str
    db_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session on the live app's own database (its own engine, this event loop)."""
        engine = make_engine(self.db_url)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as s:
                yield s
                await s.commit()
        finally:
            await engine.dispose()

    async def scalar(self, statement: Any) -> Any:
        """One value from the live app's own database."""
        async with self.session() as s:
            return await s.scalar(statement)

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
