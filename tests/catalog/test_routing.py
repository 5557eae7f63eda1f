from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog import service as catalog_service
from backend.catalog.models import Agency, Area, Category, RoutingRule


async def _setup(session: AsyncSession) -> tuple[Category, Category, Area, Area, Agency, Agency]:
    ads = await catalog_service.get_category(session=session, code="illegal_ads")
    water = await catalog_service.get_category(session=session, code="wastewater")
    ward_agency = (await session.scalars(select(Agency).where(Agency.area_id.is_not(None)).order_by(Agency.id))).first()
    assert ward_agency is not None and ward_agency.area_id is not None
    ward = await session.get(Area, ward_agency.area_id)
    other_ward = await session.scalar(select(Area).where(Area.kind != "province", Area.id != ward.id))
    department = await session.scalar(select(Agency).where(Agency.kind == "department"))
    assert ward and other_ward and department
    await session.execute(delete(RoutingRule))
    catalog_service.invalidate_cache()
    return ads, water, ward, other_ward, ward_agency, department


async def test_first_matching_rule_wins(session: AsyncSession) -> None:
    ads, water, ward, _, ward_agency, department = await _setup(session)
    session.add_all(
        [
            RoutingRule(position=10, category_id=water.id, agency_id=department.id),
            RoutingRule(position=20, agency_of_area=True),
        ]
    )
    await session.flush()
    catalog_service.invalidate_cache()
    assert (await catalog_service.route(session=session, category=water, area=ward)).agency_id == department.id
    assert (await catalog_service.route(session=session, category=ads, area=ward)).agency_id == ward_agency.id


async def test_province_rule_matches_every_ward_below_it(session: AsyncSession) -> None:
    ads, _, ward, _, _, department = await _setup(session)
    province = await session.scalar(select(Area).where(Area.kind == "province"))
    session.add(RoutingRule(position=10, category_id=ads.id, area_id=province.id, agency_id=department.id))
    await session.flush()
    catalog_service.invalidate_cache()
    assert (await catalog_service.route(session=session, category=ads, area=ward)).agency_id == department.id


async def test_area_rule_does_not_match_another_ward(session: AsyncSession) -> None:
    ads, _, ward, other_ward, _, department = await _setup(session)
    session.add(RoutingRule(position=10, area_id=ward.id, agency_id=department.id))
    await session.flush()
    catalog_service.invalidate_cache()
    routed = await catalog_service.route(session=session, category=ads, area=other_ward)
    assert routed.triage


async def test_no_matching_rule_falls_back_to_ioc_triage(session: AsyncSession) -> None:
    ads, _, ward, _, _, _ = await _setup(session)
    routed = await catalog_service.route(session=session, category=ads, area=ward)
    assert routed.triage and routed.agency_id is not None


async def test_area_without_agency_falls_through_to_next_rule(session: AsyncSession) -> None:
    ads, _, _ward, _, _, department = await _setup(session)
    session.add_all(
        [
            RoutingRule(position=10, agency_of_area=True),
            RoutingRule(position=20, agency_id=department.id),
        ]
    )
    await session.flush()
    catalog_service.invalidate_cache()
    assert (await catalog_service.route(session=session, category=ads, area=None)).agency_id == department.id


async def test_inactive_agency_is_skipped(session: AsyncSession) -> None:
    ads, _, ward, _, ward_agency, _ = await _setup(session)
    session.add(RoutingRule(position=10, agency_of_area=True))
    ward_agency.active = False
    await session.flush()
    catalog_service.invalidate_cache()
    assert (await catalog_service.route(session=session, category=ads, area=ward)).triage


async def test_seeded_rules_send_bmt_encroachment_to_the_ward(session: AsyncSession) -> None:
    from backend.geo import service as geo_service

    encroachment = await catalog_service.get_category(session=session, code="encroachment")
    area = await geo_service.locate(session=session, latitude=12.6675, longitude=108.0378)
    routed = await catalog_service.route(session=session, category=encroachment, area=area)
    agency = await session.get(Agency, routed.agency_id)
    assert agency.area_id == area.id and not routed.triage
