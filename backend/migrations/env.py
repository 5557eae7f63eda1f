"""Alembic environment: the URL comes from settings; async engines; a connection may be passed in
by `backend.core.migrate` so migrations run inside an already running event loop."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import backend.models  # noqa: F401  (registers every table)
from backend.core.config import get_settings
from backend.core.db import Base, make_engine
from backend.core.migrate import include_object_for

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object_for(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


def run_offline(url: str) -> None:
    context.configure(
        url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=url.startswith("sqlite")
    )
    with context.begin_transaction():
        context.run_migrations()


url = config.attributes.get("url") or get_settings().database_url
connection = config.attributes.get("connection")
if context.is_offline_mode():
    run_offline(url)
elif connection is not None:
    _run(connection)
else:
    asyncio.run(_run_async(url))
