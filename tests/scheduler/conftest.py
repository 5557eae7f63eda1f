"""The scheduler tests share the staff-site database fixture (tests/admin/conftest.py)."""

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.admin.conftest import Site, site  # noqa: F401  (fixture re-exported)


@pytest_asyncio.fixture(loop_scope="function", autouse=True)
async def _engine_per_test(site: Site) -> AsyncIterator[None]:  # noqa: F811
    """Jobs use the global engine; it belongs to this test's event loop, so dispose it after."""
    yield
    from backend.core.db import dispose_engine

    await dispose_engine()
