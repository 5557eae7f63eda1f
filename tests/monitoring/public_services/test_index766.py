"""The parts of the Decision 766 index PhanAnh can compute, the satisfaction group from reports."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from backend.core.actor import Actor
from backend.monitoring.public_services import index766, service
from backend.reports import service as reports_service
from backend.reports.models import Rating, Report
from backend.reports.stats import handling_summary

TODAY = date(2026, 12, 1)
IN_OCTOBER = datetime(2026, 10, 15, 3, 0, tzinfo=UTC)


async def _resolved(session, report_factory, staff, *, late: bool, stars: int | None):
    report = await report_factory()
    for action in ("assign", "start", "resolve"):
        report = await reports_service.get(session=session, code=report.code, lock=True)
        if action == "assign" and report.status != "new":
            continue  # routed on creation already
        await reports_service.transition(session=session, report=report, action=action, actor=Actor.staff(staff),
                                         note="Đã xử lý" if action == "resolve" else None)
    due = IN_OCTOBER - timedelta(days=1) if late else IN_OCTOBER + timedelta(days=2)
    await session.execute(update(Report).where(Report.id == report.id).values(
        created_at=IN_OCTOBER - timedelta(days=3), resolved_at=IN_OCTOBER, due_at=due))
    if stars is not None:
        session.add(Rating(report_id=report.id, stars=stars, source="chat", created_at=IN_OCTOBER))
    await session.commit()


async def test_the_satisfaction_group_counts_reports_handled_on_time_and_satisfied_citizens(
        session, report_factory, make_user):
    staff = await make_user("supervisor", "IOC")
    await _resolved(session, report_factory, staff, late=False, stars=5)
    await _resolved(session, report_factory, staff, late=False, stars=4)
    await _resolved(session, report_factory, staff, late=True, stars=2)
    await _resolved(session, report_factory, staff, late=False, stars=None)
    summary = await handling_summary(session=session, start=datetime(2026, 10, 1, tzinfo=UTC),
                                     end=datetime(2026, 11, 1, tzinfo=UTC))
    assert (summary.resolved, summary.resolved_on_time, summary.rated, summary.satisfied) == (4, 3, 3, 2)
    index = await index766.compute(session=session, period="2026-10", today=TODAY)
    satisfaction = next(g for g in index.groups if g.code == "satisfaction")
    on_time, satisfied, portal = satisfaction.measures
    assert (on_time.share, on_time.score) == (75.0, 4.5)  # 6 points × 75 %
    assert (satisfied.share, satisfied.score) == (66.7, 4.0)
    assert portal.available is False and portal.score is None
    assert satisfaction.score == 8.5 and not satisfaction.complete


async def test_dossier_groups_score_their_shares_and_say_which_data_is_missing(session):
    row = {"agency": "TTPVHCC", "period": "2026-10", "received": 1000, "carried_over": 0, "resolved_on_time": 800,
           "resolved_late": 100, "in_progress": 100, "in_progress_late": 100, "online_received": 500,
           "paid_online": 0, "digitized": 250}
    await service.save_stats(session=session, records=[(1, row)], filename="api", username="t", today=TODAY)
    await session.commit()
    index = await index766.compute(session=session, period="2026-10", today=TODAY)
    groups = {g.code: g for g in index.groups}
    assert groups["progress"].measures[0].share == 80.0 and groups["progress"].score == 16.0
    online, payment = groups["online"].measures
    assert (online.share, online.score) == (50.0, 6.0)
    assert payment.available is False  # no "payable" count pushed: the share has no denominator
    assert groups["digitization"].score == 5.5
    assert groups["transparency"].score is None and not groups["transparency"].complete
    assert sum(g.points for g in index.groups) == 100
    described = index.as_dict()
    assert all(m["formula"] and m["source"] for g in described["groups"] for m in g["measures"])


async def test_the_index_route_answers_with_groups(app_client, make_user):
    from tests.conftest import auth_headers

    admin = await make_user("admin")
    body = (await app_client.get("/api/v1/public-services/index766?period=2026-10", headers=auth_headers(admin))).json()
    assert [g["code"] for g in body["groups"]] == ["transparency", "progress", "online", "digitization",
                                                   "satisfaction"]
