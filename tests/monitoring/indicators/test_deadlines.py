"""Data-entry deadlines per owner agency: the late list and the reminder job."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from backend.catalog.models import Agency
from backend.monitoring.indicators import service
from backend.monitoring.indicators.models import EntryReminder, Indicator
from backend.monitoring.indicators.scheduled import indicator_deadlines
from backend.notifications.models import Outbox
from backend.notifications.staff import STAFF_ALERT


async def _monthly_codes(session, agency: str) -> list[str]:
    return list((await session.scalars(select(Indicator.code).join(Agency, Agency.id == Indicator.owner_id)
                                       .where(Agency.code == agency, Indicator.frequency == "month"))).all())


async def test_an_agency_past_its_deadline_is_late_until_it_enters_at_least_an_estimate(session, observe):
    late = {(item.agency.code, item.period.code): item for item in
            await service.late_agencies(session=session, today=date(2026, 12, 10))}
    assert ("STC", "2026-11") in late and late[("STC", "2026-11")].days_late == 5  # due on the 5th
    codes = await _monthly_codes(session, "STC")
    assert {i.code for i in late[("STC", "2026-11")].missing} == set(codes)
    await observe(*[[code, "", period, 1, "estimate"] for code in codes for period in ("2026-10", "2026-11")])
    late = await service.late_agencies(session=session, today=date(2026, 12, 10))
    assert not [item for item in late if item.agency.code == "STC"]


async def test_before_its_deadline_an_agency_is_not_late_for_the_month_just_closed(session):
    late = {(i.agency.code, i.period.code) for i in await service.late_agencies(session=session,
                                                                                today=date(2026, 12, 3))}
    assert ("STC", "2026-11") not in late
    assert ("STC", "2026-10") in late


async def test_the_job_reminds_before_the_deadline_and_tells_the_ioc_after_it_once(session, make_user):
    officer = await make_user("officer", "STC", username="canbo.stc")
    officer.email = "canbo@stc.daklak.gov.vn"
    supervisor = await make_user("supervisor", "IOC", username="giamsat")
    supervisor.telegram_chat_id = "4242"
    await session.commit()
    assert not session.in_transaction()
    done = await indicator_deadlines(now=datetime(2026, 12, 3, 2, 0, tzinfo=UTC))  # 3/12 09:00 in Đắk Lắk
    assert done["reminded"] >= 1 and done["late"] >= 1
    reminders = {(r.period, r.kind) for r in (await session.scalars(
        select(EntryReminder).join(Agency, Agency.id == EntryReminder.agency_id).where(Agency.code == "STC"))).all()}
    assert reminders == {("2026-11", "remind"), ("2026-10", "late")}
    alerts = (await session.scalars(select(Outbox).where(Outbox.kind == STAFF_ALERT))).all()
    officer_texts = [a.payload["text"] for a in alerts if a.recipient == "canbo@stc.daklak.gov.vn"]
    assert any(t.startswith("Nhắc nhập số liệu") for t in officer_texts)
    assert any(t.startswith("Chậm số liệu") and "Tổng thu ngân sách" in t for t in officer_texts)
    assert any(a.recipient == "4242" and a.payload["text"].startswith("Chậm số liệu") for a in alerts)
    assert not any(a.recipient == "4242" and a.payload["text"].startswith("Nhắc") for a in alerts)  # only late
    await session.commit()  # SQLite has one connection: give it back to the job
    again = await indicator_deadlines(now=datetime(2026, 12, 3, 5, 0, tzinfo=UTC))
    assert again == {"reminded": 0, "late": 0}
    assert len((await session.scalars(select(Outbox).where(Outbox.kind == STAFF_ALERT))).all()) == len(alerts)


async def test_nothing_is_sent_long_before_a_deadline_for_data_already_in(session, observe):
    codes = await _monthly_codes(session, "SCT")
    await observe(*[[code, "", month, 100, "official"] for code in codes for month in ("2026-09", "2026-10")])
    await session.commit()
    await indicator_deadlines(now=datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    sct = await session.scalar(select(Agency.id).where(Agency.code == "SCT"))
    assert not (await session.scalars(select(EntryReminder).where(EntryReminder.agency_id == sct))).all()
