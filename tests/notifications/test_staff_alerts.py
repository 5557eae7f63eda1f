"""alert_staff(): the right people, on their own channels, once; delivered by the outbox."""

from __future__ import annotations

import asyncio
from email import message_from_bytes
from email.header import decode_header, make_header

from sqlalchemy import select

from backend.catalog.models import Agency
from backend.notifications.models import Outbox
from backend.notifications.sender import deliver_due
from backend.notifications.staff import STAFF_ALERT, alert_staff


async def agency_id(session, code: str) -> int:
    return (await session.scalar(select(Agency.id).where(Agency.code == code)))


async def staff(make_user, session, username, role, agency=None, **contacts):
    user = await make_user(role, agency, username=username)
    for key, value in contacts.items():
        setattr(user, key, value)
    await session.commit()
    return user


async def test_an_alert_reaches_the_agencys_officers_and_the_ioc_on_their_channels(session, make_user):
    await staff(make_user, session, "canbo", "officer", "UBND-24121", email="canbo@tanlap.gov.vn",
                zalo_user_id="z-canbo")
    await staff(make_user, session, "giamsat", "supervisor", telegram_chat_id="777")
    await staff(make_user, session, "khac", "officer", "UBND-24133", email="khac@example.vn")  # other agency
    await staff(make_user, session, "tongdai", "hotline", email="tongdai@example.vn")  # not an alert role
    await staff(make_user, session, "im", "supervisor")  # no contact
    rows = await alert_staff(session=session, kind="site_down", text="Cổng TTĐT phường Tân Lập không truy cập được",
                             agency_id=await agency_id(session, "UBND-24121"), dedupe_key="incident:1:open")
    await session.commit()
    sent = {(r.channel, r.recipient) for r in (await session.scalars(select(Outbox))).all()}
    assert rows == 3
    assert sent == {("email", "canbo@tanlap.gov.vn"), ("zalo", "z-canbo"), ("telegram", "777")}


async def test_the_same_alert_twice_is_queued_once(session, make_user):
    await staff(make_user, session, "giamsat", "supervisor", email="gs@ioc.daklak.gov.vn")
    for _ in range(2):
        await alert_staff(session=session, kind="site_down", text="Trang web sở X không truy cập được",
                          agency_id=None, dedupe_key="incident:7:open")
    await session.commit()
    assert len((await session.scalars(select(Outbox).where(Outbox.kind == STAFF_ALERT))).all()) == 1


async def test_an_inactive_account_gets_no_alert(session, make_user):
    user = await staff(make_user, session, "nghiviec", "supervisor", email="old@ioc.daklak.gov.vn")
    user.active = False
    await session.commit()
    assert await alert_staff(session=session, kind="x", text="Sự cố", agency_id=None) == 0


async def test_an_email_alert_is_delivered_through_smtp_with_its_first_line_as_subject(session, make_user, smtp):
    await staff(make_user, session, "giamsat", "supervisor", email="gs@ioc.daklak.gov.vn")
    await alert_staff(session=session, kind="site_down", agency_id=None, dedupe_key="incident:9:open",
                      text="Sự cố: Cổng thông tin tỉnh không truy cập được\nTừ 08:15, 3 lần kiểm tra liên tiếp lỗi.")
    await session.commit()
    result = await deliver_due()
    assert result["sent"] == 1, result
    for _ in range(50):
        if smtp.messages:
            break
        await asyncio.sleep(0.05)
    _from, to, content = smtp.messages[0]
    mail = message_from_bytes(content)
    assert to == ["gs@ioc.daklak.gov.vn"]
    assert str(make_header(decode_header(mail["Subject"]))) == "Sự cố: Cổng thông tin tỉnh không truy cập được"
    assert "3 lần kiểm tra liên tiếp lỗi" in mail.get_payload(decode=True).decode()


async def test_a_zalo_alert_is_delivered_as_the_text(session, make_user, zalo):
    await staff(make_user, session, "canbo", "officer", "UBND-24121", zalo_user_id="z-canbo")
    await alert_staff(session=session, kind="camera_offline", text="Camera Ngã Sáu mất tín hiệu từ 07:40",
                      agency_id=await agency_id(session, "UBND-24121"), ioc=False)
    await session.commit()
    assert (await deliver_due())["sent"] == 1
    assert zalo.texts("z-canbo") == ["Camera Ngã Sáu mất tín hiệu từ 07:40"]


async def test_email_without_smtp_url_fails_for_good_and_says_why(session, make_user):
    await staff(make_user, session, "giamsat", "supervisor", email="gs@ioc.daklak.gov.vn")
    await alert_staff(session=session, kind="x", text="Sự cố", agency_id=None)
    await session.commit()
    assert (await deliver_due())["failed"] == 1
    row = await session.scalar(select(Outbox))
    await session.refresh(row)
    assert row.status == "failed" and "SMTP_URL" in row.last_error
