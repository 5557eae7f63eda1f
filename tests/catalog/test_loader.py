from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.loader import load_reference
from backend.catalog.models import Agency, Area, Category, Holiday, RoutingRule
from backend.core.config import get_settings


async def _counts(session: AsyncSession) -> list[int]:
    return [
        await session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Category, Area, Agency, RoutingRule, Holiday)
    ]


async def test_seed_is_idempotent(session: AsyncSession) -> None:
    before = await _counts(session)
    await load_reference(session=session, data_dir=get_settings().data_dir)
    await session.flush()
    assert await _counts(session) == before


async def test_seed_has_the_seven_contract_categories(session: AsyncSession) -> None:
    codes = set((await session.scalars(select(Category.code))).all())
    assert {
        "encroachment",
        "illegal_ads",
        "street_vending",
        "unpermitted_construction",
        "wastewater",
        "littering",
        "other",
    } <= codes


async def test_seed_has_every_commune_and_ward_of_dak_lak(session: AsyncSession) -> None:
    n = await session.scalar(select(func.count()).select_from(Area).where(Area.kind != "province"))
    assert n == 102


async def test_reseeding_restores_the_values_in_the_files(session: AsyncSession) -> None:
    agency = await session.scalar(select(Agency).where(Agency.code == "IOC"))
    assert agency is not None
    agency.name = "edited"
    await session.flush()
    await load_reference(session=session, data_dir=get_settings().data_dir)
    assert agency.name != "edited"  # the file is the source of truth for seeded fields
