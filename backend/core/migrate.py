"""Run Alembic from code (CLI, `serve` start-up, tests) on the settings' database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from backend.core.config import get_settings
from backend.core.db import make_engine

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = url or get_settings().database_url
    return cfg


async def upgrade(url: str | None = None, revision: str = "head") -> None:
    cfg = alembic_config(url)
    engine = make_engine(cfg.attributes["url"])

    def _do(connection: Connection) -> None:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_do)
    await engine.dispose()


async def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url or get_settings().database_url)
    async with engine.connect() as conn:
        rev = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    await engine.dispose()
    return rev


def include_object_for(dialect: str) -> Callable[..., bool]:
    """Autogenerate filter: indexes declared for one dialect only (`Index(...).ddl_if(dialect=...)`,
    e.g. PostgreSQL trigram indexes) do not exist on the others and must not be expected there."""

    def include(obj: Any, _name: str | None, type_: str, _reflected: bool, _compare_to: Any) -> bool:
        if type_ == "index" and getattr(obj, "_ddl_if", None) is not None:
            wanted = obj._ddl_if.dialect
            return wanted is None or wanted == dialect
        return True

    return include
