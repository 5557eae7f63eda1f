"""/admin/api/nearby and the report page's "nearby" list are scoped like every report route
(issue 17 item 5): an officer never sees another agency's open reports there."""

from __future__ import annotations

from sqlalchemy import select, update

from backend.catalog.models import Agency
from backend.reports.models import Report
from tests.admin.conftest import login

POINT = {"latitude": 12.6648, "longitude": 108.0971}


async def _move_to_another_agency(site, code: str) -> None:
    async with site.db() as session:
        other = await session.scalar(select(Agency.id).where(Agency.code != "UBND-24121").limit(1))
        await session.execute(update(Report).where(Report.code == code).values(agency_id=other))


async def test_an_officer_does_not_see_other_agencies_reports_in_the_nearby_hint(site, site_client):
    await site.user("canbo", "officer", agency="UBND-24121")
    mine = await site.report()
    theirs = await site.report(description="Hàng rong bày bán chiếm lòng đường trước chợ")
    await _move_to_another_agency(site, theirs)
    await login(site_client, "canbo")
    data = (await site_client.get("/admin/api/nearby", params=POINT)).json()
    assert [item["code"] for item in data["items"]] == [mine]


async def test_an_officer_does_not_see_other_agencies_reports_near_their_report(site, site_client):
    await site.user("canbo", "officer", agency="UBND-24121")
    mine = await site.report()
    theirs = await site.report(description="Hàng rong bày bán chiếm lòng đường trước chợ")
    await _move_to_another_agency(site, theirs)
    await login(site_client, "canbo")
    page = (await site_client.get(f"/admin/reports/{mine}")).text
    assert theirs not in page


async def test_the_hotline_still_sees_every_nearby_report(site, site_client):
    await site.user("td", "hotline")
    first = await site.report()
    second = await site.report(description="Hàng rong bày bán chiếm lòng đường trước chợ")
    await _move_to_another_agency(site, second)
    await login(site_client, "td")
    data = (await site_client.get("/admin/api/nearby", params=POINT)).json()
    assert {item["code"] for item in data["items"]} == {first, second}
