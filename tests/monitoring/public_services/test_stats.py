"""Dossier statistics pushed as JSON or imported from XLSX: validation, shares, ranking."""

from datetime import date

import pytest
from sqlalchemy import func, select

from backend.monitoring.indicators.importer import ImportRejected
from backend.monitoring.public_services import service
from backend.monitoring.public_services.models import DossierStats
from tests.conftest import auth_headers
from tests.monitoring.conftest import xlsx

TODAY = date(2026, 12, 1)


def month(agency="TTPVHCC", period="2026-10", **counts):
    row = {"agency": agency, "period": period, "received": 1000, "carried_over": 200, "resolved_on_time": 850,
           "resolved_late": 50, "in_progress": 300, "in_progress_late": 20, "online_received": 700,
           "paid_online": 150, "digitized": 900, "payable": 400}
    row.update(counts)
    return row


async def _save(session, *rows):
    result = await service.save_stats(session=session, records=list(enumerate(rows, start=1)), filename="api",
                                      username="motcua", today=TODAY)
    await session.commit()
    return result


async def test_a_month_is_stored_with_its_shares(session):
    await _save(session, month())
    [row] = await service.monthly(session=session, period="2026-10", today=TODAY)
    shares = service.figures([row], "TTPVHCC").as_dict()
    assert shares["on_time_pct"] == 94.4  # 850 / (850 + 50)
    assert shares["online_pct"] == 70.0
    assert shares["online_payment_pct"] == 37.5  # 150 of 400 with a fee
    assert shares["digitized_pct"] == 75.0  # 900 of 1 200 to handle
    assert shares["late_in_progress"] == 20
    assert shares["late_pct"] == round(100 * 70 / 1200, 1)


async def test_every_broken_rule_is_named_and_nothing_is_stored(session):
    rows = [month(received=-5),
            month(agency="STC", resolved_on_time=1200),
            month(agency="SCT", in_progress_late=400, online_received=1500),
            month(agency="KHONG-CO"),
            month(agency="SXD", period="2026-13"),
            month(agency="SNNMT", digitized="nhiều")]
    with pytest.raises(ImportRejected) as caught:
        await _save(session, *rows)
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {(1, "received"), (2, "resolved_on_time"), (3, "in_progress_late"), (3, "online_received"),
                     (4, "agency"), (5, "period"), (6, "digitized")}
    await session.rollback()
    assert await session.scalar(select(func.count()).select_from(DossierStats)) == 0


async def test_a_month_pushed_again_replaces_the_earlier_figures(session):
    await _save(session, month())
    result = await _save(session, month(received=1100, online_received=800))
    assert result.updated == 1
    [row] = await service.monthly(session=session, period="2026-10", today=TODAY)
    assert (row.received, row.online_received, row.updated_by) == (1100, 800, "motcua")


async def test_the_one_stop_systems_xlsx_with_vietnamese_headers_is_imported(session):
    header = ["Đơn vị", "Kỳ", "Tiếp nhận", "Kỳ trước chuyển qua", "Giải quyết đúng hạn", "Giải quyết quá hạn",
              "Đang giải quyết", "Đang giải quyết quá hạn", "Trực tuyến", "Thanh toán trực tuyến", "Số hóa"]
    data = xlsx([["STC", "2026-10", 320, 40, 290, 10, 60, 3, 250, 30, 300],
                 ["Sở Công Thương tỉnh Đắk Lắk", "10/2026", 210, 15, 180, 5, 40, 0, 190, 12, 200]], header=header)
    result = await service.import_file(session=session, filename="motcua-t10.xlsx", data=data, username="admin")
    await session.commit()
    assert result.created == 2


async def test_agencies_are_ranked_by_their_on_time_share(session):
    await _save(session, month(agency="STC", resolved_on_time=890, resolved_late=10),
                month(agency="SCT", resolved_on_time=600, resolved_late=300),
                month(agency="SXD", resolved_on_time=880, resolved_late=20, online_received=100))
    ranking = await service.ranking(session=session, period="2026-10", today=TODAY)
    assert [f.agency_code for f in ranking] == ["STC", "SXD", "SCT"]


async def test_several_months_add_up_flows_but_take_the_carried_over_and_in_progress_of_the_ends(session):
    await _save(session, month(period="2026-09", carried_over=150, in_progress=200),
                month(period="2026-10", carried_over=200, in_progress=300))
    [figures] = await service.ranking(session=session, period="2026-Q4", today=TODAY) or [None]
    assert figures is not None and figures.months == 1  # Q4 holds October only
    [figures] = await service.ranking(session=session, period="2026", today=TODAY)
    assert (figures.counts["received"], figures.counts["carried_over"], figures.counts["in_progress"]) == (
        2000, 150, 300)


async def test_the_push_route_takes_one_or_many_months_and_reads_back_with_the_computed_shares(
        app_client, make_user):
    admin = await make_user("admin")
    one = await app_client.post("/api/v1/public-services/stats", headers=auth_headers(admin),
                                json=month(period="2026-11"))
    assert one.status_code == 200, one.text
    many = await app_client.post("/api/v1/public-services/stats", headers=auth_headers(admin),
                                 json={"items": [month(agency="STC", period="2026-11"), month(agency="SCT")]})
    assert many.json()["created"] == 2
    read = await app_client.get("/api/v1/public-services/stats?agency=TTPVHCC&period=2026-11",
                                headers=auth_headers(admin))
    [item] = read.json()["items"]
    assert set(item) >= {"received", "carried_over", "resolved_on_time", "resolved_late", "in_progress",
                         "in_progress_late", "online_received", "paid_online", "digitized", "on_time_pct",
                         "online_pct"}
    assert item["on_time_pct"] == 94.4


async def test_a_bad_push_gets_422_with_the_rows_and_an_officer_may_not_push(app_client, make_user):
    admin = await make_user("admin")
    officer = await make_user("officer", "STC")
    bad = await app_client.post("/api/v1/public-services/stats", headers=auth_headers(admin),
                                json=[month(), month(agency="STC", received=-1)])
    assert bad.status_code == 422
    assert [(e["row"], e["column"]) for e in bad.json()["errors"]] == [(2, "received")]
    denied = await app_client.post("/api/v1/public-services/stats", headers=auth_headers(officer), json=month())
    assert denied.status_code == 403
