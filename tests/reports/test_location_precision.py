"""How precise a report's point is, and duplicates that respect it (issue 11 item 5): a typed
address the offline gazetteer places at its ward's centre never matches by distance alone."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.actor import Actor
from backend.reports import service as report_service
from backend.reports.schemas import ReportCreate
from tests.conftest import auth_headers

LITTER = "Rác thải đổ đống trên vỉa hè, bốc mùi hôi thối"


async def file(session: AsyncSession, **place: Any) -> report_service.Created:
    created = await report_service.create(
        session=session, actor=Actor.system(), channel="api",
        report_in=ReportCreate(description=LITTER, category="littering", **place),
    )
    await session.commit()
    return created


async def test_a_typed_address_is_stored_at_ward_precision(session: AsyncSession) -> None:
    created = await file(session, address="123 Lê Duẩn, phường Tân Lập, TP. Buôn Ma Thuột")
    assert created.report.location_precision == "ward"


async def test_a_shared_point_is_stored_at_gps_precision(session: AsyncSession) -> None:
    created = await file(session, latitude=12.6675, longitude=108.0378)
    assert created.report.location_precision == "gps"


async def test_a_point_picked_on_a_map_keeps_the_precision_its_caller_gives(session: AsyncSession) -> None:
    created = await file(session, latitude=12.6675, longitude=108.0378, location_precision="map")
    assert created.report.location_precision == "map"


async def test_two_reports_on_different_streets_of_one_ward_are_not_duplicates(session: AsyncSession) -> None:
    first = await file(session, address="123 Lê Duẩn, phường Tân Lập, TP. Buôn Ma Thuột")
    second = await file(session, address="45 Nguyễn Tất Thành, phường Tân Lập, TP. Buôn Ma Thuột")
    assert (first.report.latitude, first.report.longitude) == (second.report.latitude, second.report.longitude)
    assert second.duplicates == []


async def test_the_same_address_typed_twice_is_still_offered_as_a_duplicate(session: AsyncSession) -> None:
    first = await file(session, address="123 Lê Duẩn, phường Tân Lập, TP. Buôn Ma Thuột")
    second = await file(session, address="số 123 le duan p. tan lap bmt")
    assert [d.code for d in second.duplicates] == [first.report.code]
    assert second.duplicates[0].by_address


async def test_another_house_on_the_same_street_of_a_ward_centre_is_not_a_duplicate(session: AsyncSession) -> None:
    await file(session, address="123 Lê Duẩn, phường Tân Lập")
    second = await file(session, address="301 Lê Duẩn, phường Tân Lập")
    assert second.duplicates == []


async def test_the_same_named_place_typed_twice_is_offered(session: AsyncSession) -> None:
    first = await file(session, address="Chợ Tân Lập, phường Tân Lập")
    second = await file(session, address="chợ tân lập, P.Tân Lập, Buôn Ma Thuột")
    assert [d.code for d in second.duplicates] == [first.report.code]


async def test_a_ward_name_alone_matches_nothing(session: AsyncSession) -> None:
    await file(session, address="phường Tân Lập")
    second = await file(session, address="Tân Lập, Buôn Ma Thuột")
    assert second.duplicates == []


async def test_a_gps_point_at_the_ward_centre_is_not_a_duplicate_of_a_typed_address(session: AsyncSession) -> None:
    ward = await file(session, address="123 Lê Duẩn, phường Tân Lập")
    gps = await file(session, latitude=ward.report.latitude, longitude=ward.report.longitude)
    assert gps.duplicates == []


async def test_gps_points_close_together_are_still_duplicates(session: AsyncSession) -> None:
    first = await file(session, latitude=12.6675, longitude=108.0378)
    second = await file(session, latitude=12.6677, longitude=108.0379)
    assert [d.code for d in second.duplicates] == [first.report.code]


async def test_street_points_match_along_the_same_street_only(session: AsyncSession) -> None:
    on_le_duan = await file(session, latitude=12.6675, longitude=108.0378, location_precision="street",
                            address="120 Lê Duẩn, phường Tân Lập")
    near_on_le_duan = await file(session, latitude=12.6690, longitude=108.0385, location_precision="street",
                                 address="140 Lê Duẩn, phường Tân Lập")
    other_street = await file(session, latitude=12.6680, longitude=108.0380, location_precision="street",
                              address="140 Nguyễn Tất Thành, phường Tân Lập")
    assert [d.code for d in near_on_le_duan.duplicates] == [on_le_duan.report.code]  # 180 m apart, same street
    assert other_street.duplicates == []


async def test_the_api_read_says_how_precise_the_point_is(app_client, make_user, session: AsyncSession) -> None:
    created = await file(session, address="123 Lê Duẩn, phường Tân Lập")
    headers = auth_headers(await make_user("supervisor"))
    read = (await app_client.get(f"/api/v1/reports/{created.report.code}", headers=headers)).json()
    listed = (await app_client.get("/api/v1/reports", headers=headers)).json()["items"]
    assert read["location_precision"] == "ward" and listed[0]["location_precision"] == "ward"
