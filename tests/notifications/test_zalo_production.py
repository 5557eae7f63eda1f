"""The outbox against a Zalo stand-in that behaves like production Zalo: photos re-encoded under the
upload limit and sent after the text, the interaction window (transaction messages, ZNS, then a
call-back task), bounded retries of -100, -217 final, and Zalo's message ids kept."""

from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select, update

from backend.citizens import service as citizens_service
from backend.citizens.models import Citizen
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.notifications import receipts
from backend.notifications import service as notification_service
from backend.notifications.models import Outbox, Receipt
from backend.notifications.sender import deliver_due
from backend.reports import media
from backend.reports.models import CallbackTask, ReportEvent
from bot.zalo import client as zalo_client
from bot.zalo.media import UPLOAD_LIMIT, to_zalo_jpeg

PAYLOAD = {"code": "PA-ABC234", "status": "resolved", "note": "Đã thu gom sạch"}


def big_webp() -> bytes:
    """A 1800x1200 photo of noise as WEBP (lossless): several MB, the kind Zalo's upload refuses."""
    img = Image.frombytes("RGB", (1800, 1200), os.urandom(1800 * 1200 * 3))
    buf = io.BytesIO()
    img.save(buf, "WEBP", lossless=True)
    return buf.getvalue()


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(zalo_client, "TRANSIENT_DELAY", 0.01)


async def citizen_row(session, user="z1", *, phone=None, last_seen=None):
    citizen = await citizens_service.get_or_create(session=session, channel="zalo", external_id=user)
    if phone:
        await citizens_service.record_consent(session=session, citizen=citizen, phone=phone)
    if last_seen is not None:
        await session.execute(update(Citizen).where(Citizen.id == citizen.id).values(last_seen_at=last_seen))
    await session.commit()
    return citizen


async def queue(session, citizen, kind="resolved", report_id=None, **extra):
    row = await notification_service.enqueue(session=session, citizen=citizen, kind=kind,
                                             payload={**PAYLOAD, **extra}, report_id=report_id)
    await session.commit()
    return row


async def outcome(session, row):
    await session.refresh(row)
    await session.commit()
    return row


def test_a_large_webp_becomes_a_jpeg_under_zalos_limit():
    data = big_webp()
    assert len(data) > 5 * UPLOAD_LIMIT
    out = to_zalo_jpeg(data)
    assert out[:3] == b"\xff\xd8\xff" and len(out) <= UPLOAD_LIMIT


def test_a_transparent_gif_is_flattened_on_white():
    img = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "GIF")
    with Image.open(io.BytesIO(to_zalo_jpeg(buf.getvalue()))) as out:
        assert out.format == "JPEG" and out.getpixel((25, 25))[0] > 240


async def test_resolved_photo_goes_after_the_text_as_a_jpeg_under_the_limit(session, zalo):
    stored = media.store(big_webp())
    citizen = await citizen_row(session)
    row = await queue(session, citizen, photo={"sha256": stored.sha256, "content_type": stored.content_type})
    assert (await deliver_due())["sent"] == 1, (await outcome(session, row)).last_error
    assert zalo.uploaded and zalo.uploaded[0][0] == "jpg" and zalo.uploaded[0][1] <= UPLOAD_LIMIT
    first, second = zalo.sends[0]["message"], zalo.sends[1]["message"]
    assert "PA-ABC234" in first["text"] and "attachment" not in first  # the text first
    assert second["attachment"]["payload"]["template_type"] == "media"
    assert "text" not in second  # never an empty text with the media template


async def test_a_refused_photo_never_blocks_the_text(session, zalo):
    stored = media.store(big_webp())
    citizen = await citizen_row(session)
    zalo.upload_faults.append("-201")
    row = await queue(session, citizen, photo={"sha256": stored.sha256, "content_type": stored.content_type})
    assert (await deliver_due())["sent"] == 1
    assert len(zalo.texts("z1")) == 1 and zalo.images("z1") == []
    assert (await outcome(session, row)).status == "sent"
    assert (await deliver_due())["claimed"] == 0  # not retried (the text would go twice)


async def test_each_send_keeps_zalos_message_id_with_the_route(session, zalo):
    citizen = await citizen_row(session)
    row = await queue(session, citizen)
    await deliver_due()
    found = (await session.scalars(select(Receipt).where(Receipt.outbox_id == row.id))).all()
    await session.commit()
    assert [(r.message_id, r.route, r.status) for r in found] == [("m1", "cs", "sent")]


async def test_received_then_seen_receipts_move_forward_never_back(session, zalo):
    citizen = await citizen_row(session)
    await queue(session, citizen)
    await deliver_due()
    assert await receipts.mark(session=session, channel="zalo", message_ids=["m1"], status="seen") == 1
    assert await receipts.mark(session=session, channel="zalo", message_ids=["m1"], status="received") == 0
    await session.commit()
    receipt = await session.scalar(select(Receipt))
    assert receipt.status == "seen" and receipt.received_at is not None and receipt.seen_at is not None


async def test_a_notice_past_the_window_goes_as_a_transaction_message(session, zalo):
    citizen = await citizen_row(session, last_seen=utcnow() - timedelta(days=3))
    row = await queue(session, citizen)
    assert (await deliver_due())["sent"] == 1, (await outcome(session, row)).last_error
    assert zalo.texts("z1") == [] and len(zalo.transactions) == 1
    payload = zalo.transactions[0]["message"]["attachment"]["payload"]
    assert payload["template_type"].startswith("transaction_")
    assert any("Đã thu gom sạch" in str(e.get("content")) for e in payload["elements"])
    receipt = await session.scalar(select(Receipt).where(Receipt.outbox_id == row.id))
    assert receipt.route == "transaction" and receipt.message_id == "t1"


async def test_a_consultation_refused_for_the_window_is_sent_as_a_transaction(session, zalo):
    citizen = await citizen_row(session)  # we think the window is open; Zalo says it is not
    zalo.window_s = 60
    zalo.last_interaction["z1"] = 0.0
    row = await queue(session, citizen, kind="in_progress")
    assert (await deliver_due())["sent"] == 1, (await outcome(session, row)).last_error
    assert zalo.refused[0][0] == -230 and len(zalo.transactions) == 1


async def test_past_the_window_zns_reaches_the_phone_the_citizen_shared(session, zalo, monkeypatch):
    monkeypatch.setenv("ZALO_ZNS_TEMPLATE_ID", "tpl-status")
    get_settings.cache_clear()
    zalo.zns_templates.add("tpl-status")
    zalo.transaction_faults.append("-244")  # the person blocked transaction messages
    citizen = await citizen_row(session, phone="84905123456", last_seen=utcnow() - timedelta(days=10))
    row = await queue(session, citizen)
    assert (await deliver_due())["sent"] == 1, (await outcome(session, row)).last_error
    assert zalo.zns[0]["phone"] == "84905123456" and zalo.zns[0]["template_id"] == "tpl-status"
    assert zalo.zns[0]["template_data"]["code"] == "PA-ABC234"
    receipt = await session.scalar(select(Receipt).where(Receipt.outbox_id == row.id))
    assert receipt.route == "zns"


async def test_nobody_reachable_gives_the_hotline_a_call_back_task(session, zalo, report_factory):
    citizen = await citizen_row(session, last_seen=utcnow() - timedelta(days=10))
    report = await report_factory(citizen=citizen, channel="zalo")
    await session.execute(update(Outbox).values(status="sent"))  # the receipt went out at the time
    zalo.transaction_faults.append("-213")
    row = await queue(session, citizen, kind="resolved", report_id=report.id, code=report.code)
    assert (await deliver_due())["failed"] == 1
    row = await outcome(session, row)
    assert row.status == "failed" and row.last_error.startswith("unreachable")
    task = await session.scalar(select(CallbackTask).where(CallbackTask.report_id == report.id))
    assert task is not None and task.reason == "unreachable" and task.status == "open"
    assert await session.scalar(select(ReportEvent.id).where(ReportEvent.report_id == report.id,
                                                             ReportEvent.action == "notify_failed"))


async def test_minus_100_is_retried_a_few_times_then_sent(session, zalo, fast_retries):
    citizen = await citizen_row(session)
    zalo.faults += ["-100", "-100"]
    row = await queue(session, citizen, kind="in_progress")
    assert (await deliver_due())["sent"] == 1, (await outcome(session, row)).last_error
    assert zalo.attempts == 3 and len(zalo.texts("z1")) == 1


async def test_minus_100_that_persists_is_given_up_after_bounded_retries(session, zalo, fast_retries):
    citizen = await citizen_row(session)
    zalo.faults += ["-100"] * 5
    row = await queue(session, citizen, kind="in_progress")
    assert (await deliver_due())["failed"] == 1
    assert zalo.attempts == 1 + zalo_client.TRANSIENT_RETRIES
    assert (await outcome(session, row)).status == "failed"


async def test_minus_217_is_final(session, zalo):
    citizen = await citizen_row(session)
    zalo.faults.append("-217")
    row = await queue(session, citizen, kind="in_progress")
    assert (await deliver_due())["failed"] == 1
    assert zalo.attempts == 1 and (await outcome(session, row)).status == "failed"
