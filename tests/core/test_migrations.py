from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

import backend.models  # noqa: F401
from backend.core.db import Base, get_engine
from backend.core.migrate import include_object_for


async def test_migrations_match_the_models(db_url: str) -> None:
    """`alembic upgrade head` builds exactly the schema the models describe (no missing migration)."""
    engine: AsyncEngine = get_engine()
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"include_object": include_object_for(c.dialect.name)}),
                Base.metadata,
            )
        )
    assert diff == []
