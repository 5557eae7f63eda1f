import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.reports import service as report_service

Factory = Callable[..., Awaitable[Any]]


@pytest.fixture
def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
async def staff(make_user: Factory) -> Actor:
    """A supervisor acting on reports (the corrections and classifier-quality tests)."""
    return Actor.staff(await make_user("supervisor"))


@pytest.fixture
def correct(session: AsyncSession, staff: Actor) -> Factory:
    """correct(report, code): a staff correction of the report's category, committed."""

    async def recategorize(report: Any, code: str) -> Any:
        await report_service.recategorize(session=session, report=report, category_code=code, actor=staff)
        await session.commit()
        return report

    return recategorize
