"""Zalo as it behaves in production, end to end: signed webhook posts to the running app, the
Zalo stand-in on 127.0.0.1 playing the OA API (receipts, staff echoes, consent withdrawal,
anonymous people, photos sent as files or with only a thumbnail)."""

from __future__ import annotations

import asyncio
from itertools import count

import httpx
import pytest
from sqlalchemy import select
from standins import wait_for
from test_zalo_live import BMT, post, run_job, say

from backend.citizens import service as citizens_service
from backend.citizens.models import Citizen, Erasure
from backend.core.actor import Actor
from backend.notifications.models import Receipt
from backend.reports import service as reports_service
from backend.reports.models import Report, ReportEvent
from backend.reports.schemas import ReportCreate
from bot.dialogue.models import ChatState, ProcessedEvent

ids = count(1)


@pytest.fixture(scope="module")
def app(zalo, live_app_factory):
    return live_app_factory(env={**zalo.env(), "ZALO_HUMAN_PAUSE_MINUTES": "30"})


async def file_report(app, user: str, *, phone: str | None = None, name: str | None = None) -> str:
    """A report of this Zalo user, filed straight in the live app's database."""
    async with app.session() as s:
        citizen = await citizens_service.get_or_create(session=s, channel="zalo", external_id=user,
                                                       display_name=name)
        if phone:
            await citizens_service.record_consent(session=s, citizen=citizen, phone=phone)
        created = await reports_service.create(
            session=s, actor=Actor.of_citizen(citizen), citizen=citizen, channel="zalo",
            report_in=ReportCreate(description="Rác thải đổ thành đống trước chợ, bốc mùi", latitude=12.6675,
                                   longitude=108.0378, category="littering", phone=phone, name=name))
        return created.report.code


async def events_of(app, code: str, action: str) -> list[ReportEvent]:
    async with app.session() as s:
        report_id = await s.scalar(select(Report.id).where(Report.code == code))
        return list((await s.scalars(select(ReportEvent).where(ReportEvent.report_id == report_id,
                                                                ReportEvent.action == action))).all())


async def poll(check, what: str, within: float = 20.0):
    for _ in range(int(within * 10)):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_delivery_and_seen_receipts_are_kept_on_the_message(app, zalo):
    user = "u-receipts"
    code = await file_report(app, user)
    await run_job(app, "outbox_retry")
    assert any(code in t for t in zalo.texts(user))
    message_id = zalo.message_ids(user)[-1]

    async def status():
        async with app.session() as s:
            return await s.scalar(select(Receipt.status).where(Receipt.message_id == message_id))

    assert await status() == "sent"
    assert (await post(app, zalo, zalo.receipt("user_received_message", user, [message_id]))).status_code == 200
    await poll(lambda: _is(status, "received"), "the delivery receipt")
    assert (await post(app, zalo, zalo.receipt("user_seen_message", user, [message_id]))).status_code == 200
    await poll(lambda: _is(status, "seen"), "the seen receipt")
    assert zalo.texts(user)[-1:] == [t for t in zalo.texts(user) if code in t][-1:]  # receipts are not answered


async def _is(getter, value):
    return await getter() == value


async def test_a_staff_reply_in_zalos_chat_tool_is_noted_on_the_report_and_pauses_the_bot(app, zalo):
    user = "u-human"
    code = await file_report(app, user)
    echo = zalo.event("oa_send_text", "oa1", msg_id=f"echo{next(ids)}", text="Chào chị, phường sẽ cử người đến")
    echo["sender"] = {"id": "oa1", "admin_id": "admin-42"}
    echo["recipient"] = {"id": user}
    assert (await post(app, zalo, echo)).status_code == 200
    noted = await poll(lambda: events_of(app, code, "staff_chat"), "the staff message on the report")
    assert noted[0].note == "Chào chị, phường sẽ cử người đến" and not noted[0].public
    assert noted[0].data == {"admin_id": "admin-42"}
    before = len(zalo.texts(user))
    await say(app, zalo, user, "giúp", wait=False)
    await asyncio.sleep(2.0)
    assert len(zalo.texts(user)) == before  # the bot does not talk over the officer
    async with app.session() as s:
        citizen = await s.scalar(select(Citizen).where(Citizen.external_id == user))
        assert citizen.bot_paused_until is not None


async def test_withdrawing_consent_erases_the_persons_data_and_confirms(app, zalo):
    user = "u-withdraw"
    code = await file_report(app, user, phone="0905111222", name="Trần Thị B")
    await say(app, zalo, user, "giúp")  # a conversation state exists
    event = zalo.event("user_withdraw", user, msg_id=None)
    assert (await post(app, zalo, event)).status_code == 200
    await wait_for(lambda: any("Đã xóa dữ liệu cá nhân" in t for t in zalo.texts(user)), what="the confirmation")
    async with app.session() as s:
        report = await s.scalar(select(Report).where(Report.code == code))
        assert (report.reporter_name, report.reporter_phone, report.citizen_id) == (None, None, None)
        assert await s.scalar(select(Citizen.id).where(Citizen.external_id == user)) is None
        entry = await s.scalar(select(Erasure))
        assert entry.source == "zalo_withdraw" and entry.reports == 1
        state = await s.scalar(select(ChatState.data).where(ChatState.user_id == user))
        assert not state
        kept = (await s.scalars(select(ProcessedEvent.payload).where(ProcessedEvent.status == "done"))).all()
        earlier = [p for p in kept if p and p.get("event_name") != "user_withdraw"]
        assert not any(user in str(p) for p in earlier)  # the finished events forget who sent them
    assert await events_of(app, code, "erased")


async def test_an_anonymous_person_gets_an_answer_through_their_conversation(app, zalo):
    event = zalo.event("anonymous_send_text", "anon-77", msg_id=f"a{next(ids)}", text="giúp",
                       conversation_id="conv-5")
    assert (await post(app, zalo, event)).status_code == 200

    def answered():
        return [s for s in zalo.sends if s["recipient"].get("anonymous_id") == "anon-77"]

    await wait_for(answered, what="the answer to an anonymous person")
    assert answered()[0]["recipient"] == {"anonymous_id": "anon-77", "conversation_id": "conv-5"}
    assert "Tra cứu" in answered()[0]["message"]["text"]


async def test_a_photo_sent_as_a_file_and_one_with_only_a_thumbnail_are_kept(app, zalo):
    user = "u-files"
    await say(app, zalo, user, "Có người đổ rác thải bừa bãi ra lề đường, bốc mùi hôi thối")
    await say(app, zalo, user, attachments=[{"type": "location", "payload": {"coordinates": BMT}}])
    reply = await say(app, zalo, user, attachments=[{"type": "file", "payload": {
        "url": zalo.url + "/img/f.jpg", "name": "IMG_0042.JPG", "size": "2048", "type": "jpg"}}])
    assert "1/5" in reply
    reply = await say(app, zalo, user, attachments=[{"type": "image", "payload": {
        "thumbnail": zalo.url + "/img/t.jpg"}}])
    assert "2/5" in reply


async def test_the_site_verification_file_and_meta_tag(zalo, live_app_factory):
    app = live_app_factory(env={**zalo.env(), "ZALO_SITE_VERIFICATION": "Xyz123AbC"})
    async with httpx.AsyncClient(timeout=10) as client:
        file = await client.get(app.url + "/zalo_verifierXyz123AbC.html")
        assert file.status_code == 200 and 'content="Xyz123AbC"' in file.text
        assert (await client.get(app.url + "/zalo_verifierOTHER.html")).status_code == 404
        home = await client.get(app.url + "/")
        assert '<meta name="zalo-platform-site-verification" content="Xyz123AbC" />' in home.text
