"""/healthz (issue 17 item 14): a failing database is reported as failing, its error text goes to
the log only (it names hosts, users, drivers)."""

from __future__ import annotations

import os

import httpx


async def test_healthz_says_failing_without_the_database_error_text(tmp_path) -> None:
    from backend.core import db
    from backend.core.config import get_settings
    from backend.main import create_app

    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "VAR_DIR")}
    os.environ.update({"DATABASE_URL": "postgresql+asyncpg://secretuser:pw@127.0.0.1:9/hidden_db",
                       "VAR_DIR": str(tmp_path)})
    get_settings.cache_clear()
    engine, maker = db._engine, db._sessionmaker
    db._engine, db._sessionmaker = None, None
    try:
        app = create_app(with_hooks=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/healthz")
        await db.dispose_engine()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        db._engine, db._sessionmaker = engine, maker
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "failing"}
    assert "secretuser" not in response.text and "hidden_db" not in response.text
