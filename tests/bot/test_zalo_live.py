"""Zalo end to end: signed webhook posts to the running app, replies to a Zalo stand-in."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from itertools import count
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from standins import wait_for

from backend.citizens.models import Citizen
from backend.notifications.models import Outbox
from backend.reports.models import Attachment, Report
from bot.zalo.models import ZaloToken

BMT = {"latitude": "12.6675", "longitude": "108.0378"}
ids = count(1)


@pytest.fixture(scope="module")
def app(zalo, live_app_factory):
    return live_app_factory(env=zalo.env())


async def post(app, zalo, event, *, raw=None, headers=None) -> httpx.Response:
    if raw is None:
        raw, headers = zalo.sign(event)
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(app.url + "/webhooks/zalo", content=raw, headers=headers)


async def say(app, zalo, user: str, text: str | None = None, *, wait: bool = True, **message) -> str:
    before = len(zalo.texts(user))
    name = "user_send_text"
    if "attachments" in message:
        name = "user_send_" + message["attachments"][0]["type"]
    event = zalo.event(name, user, msg_id=f"m{next(ids)}", **({"text": text} if text is not None else {}), **message)
    resp = await post(app, zalo, event)
    assert resp.status_code == 200, resp.text
    if wait:
        await wait_for(lambda: len(zalo.texts(user)) > before, what=f"a reply to {text!r}")
        await asyncio.sleep(0.2)  # a turn can answer with several messages
    return "\n".join(zalo.texts(user)[before:])


async def test_citizen_files_a_report_on_zalo_and_gets_the_code(app, zalo):
    user = "u-report"
    assert "ở đâu" in await say(app, zalo, user, "Có người đổ rác thải bừa bãi ra lề đường, bốc mùi hôi thối")
    reply = await say(app, zalo, user, attachments=[{"type": "location", "payload": {"coordinates": BMT}}])
    assert "Đã ghi nhận vị trí" in reply
    reply = await say(app, zalo, user, attachments=[{"type": "image", "payload": {"url": zalo.url + "/img/a.jpg"}}])
    assert "1/5" in reply
    reply = await say(app, zalo, user, "xong")
    if "Nghị định 13" in reply:
        reply = await say(app, zalo, user, "không")
    assert "Ảnh: 1" in reply
    reply = await say(app, zalo, user, "xác nhận")
    assert "Mã tra cứu: PA-" in reply
    code = reply.split("Mã tra cứu: ")[1].split()[0]
    async with app.session() as s:
        report = await s.scalar(select(Report).where(Report.code == code))
        assert report.channel == "zalo"
        assert len((await s.scalars(select(Attachment).where(Attachment.report_id == report.id))).all()) == 1


async def test_unsigned_empty_check_is_answered_200(app, zalo):
    resp = await post(app, zalo, None, raw=b"{}", headers={"Content-Type": "application/json"})
    assert resp.status_code == 200


async def test_forged_signature_is_refused_401(app, zalo):
    event = zalo.event("user_send_text", "u-forged", msg_id="forged1", text="xin chào")
    raw, headers = zalo.sign(event)
    headers["X-ZEvent-Signature"] = "mac=" + "0" * 64
    assert (await post(app, zalo, event, raw=raw, headers=headers)).status_code == 401
    await asyncio.sleep(0.5)
    assert zalo.texts("u-forged") == []


async def test_body_changed_after_signing_is_refused(app, zalo):
    event = zalo.event("user_send_text", "u-tamper", msg_id="tamper1", text="xin chào")
    raw, headers = zalo.sign(event)
    assert (await post(app, zalo, event, raw=raw.replace(b"xin", b"XIN"), headers=headers)).status_code == 401


async def test_redelivered_event_is_handled_once(app, zalo):
    event = zalo.event("user_send_text", "u-redeliver", msg_id="same-msg", text="giúp")
    assert (await post(app, zalo, event)).status_code == 200
    assert (await post(app, zalo, event)).status_code == 200
    await wait_for(lambda: len(zalo.texts("u-redeliver")) >= 1)
    await asyncio.sleep(0.8)
    assert len(zalo.texts("u-redeliver")) == 1


async def test_echo_and_receipt_events_are_never_answered(app, zalo):
    for name in ("oa_send_text", "user_received_message", "user_seen_message"):
        event = zalo.event(name, "u-echo", msg_id=f"echo-{name}", text="hi")
        assert (await post(app, zalo, event)).status_code == 200
    await asyncio.sleep(0.8)
    assert zalo.texts("u-echo") == []


async def test_follow_is_greeted(app, zalo):
    event = zalo.event("follow", "x", msg_id=None)
    del event["sender"]
    event["follower"] = {"id": "u-follow"}
    assert (await post(app, zalo, event)).status_code == 200
    await wait_for(lambda: zalo.texts("u-follow"), what="greeting")
    assert "Xin chào" in zalo.texts("u-follow")[0]


async def test_sticker_gets_a_helpful_reply(app, zalo):
    reply = await say(app, zalo, "u-sticker", attachments=[{"type": "sticker", "payload": {"id": "s1", "url": "x"}}])
    assert "nhãn dán" in reply


async def test_expired_token_is_refreshed_once_and_the_reply_sent_once(app, zalo):
    refreshes = zalo.refreshes
    zalo.faults.append("-216")
    reply = await say(app, zalo, "u-token", "giúp")
    assert "Tra cứu" in reply
    assert zalo.refreshes == refreshes + 1
    await asyncio.sleep(0.5)
    assert len(zalo.texts("u-token")) == 1
    async with app.session() as s:
        row = await s.scalar(select(ZaloToken))
        assert row.access_token == zalo.access_token and row.refresh_token == zalo.refresh_token


async def test_reply_lost_to_a_5xx_is_queued_and_sent_once_by_the_retry_job(app, zalo):
    zalo.faults.append("5xx")
    await say(app, zalo, "u-5xx", "giúp", wait=False)
    await wait_for_row(app, "u-5xx")
    assert zalo.texts("u-5xx") == []
    for _ in range(2):  # the job twice: the second run has nothing left to send
        await run_job(app, "outbox_retry", force_due=True)
    assert len(zalo.texts("u-5xx")) == 1 and "Tra cứu" in zalo.texts("u-5xx")[0]
    async with app.session() as s:
        row = await s.scalar(select(Outbox).where(Outbox.recipient == "u-5xx"))
        assert row.status == "sent"


async def wait_for_row(app, recipient: str) -> None:
    for _ in range(100):
        async with app.session() as s:
            if await s.scalar(select(Outbox.id).where(Outbox.recipient == recipient)):
                return
        await asyncio.sleep(0.1)
    raise AssertionError("no outbox row")


async def run_job(app, name: str, force_due: bool = False) -> str:
    """Run a job in its own process against the live app's database (as the scheduler would,
    with the channels wired by the composition root)."""
    code = (
        "import asyncio\n"
        "from backend.main import install_edges\n"
        "install_edges()\n"
        "from sqlalchemy import update\n"
        "from backend.core.db import session_scope, utcnow\n"
        "from backend.notifications.models import Outbox\n"
        "from backend.notifications import scheduled\n"
        "async def main():\n"
        + ("    async with session_scope() as s:\n"
           "        await s.execute(update(Outbox).where(Outbox.status == 'pending')"
           ".values(next_attempt_at=utcnow()))\n"
           if force_due else "")
        + f"    print(await scheduled.{name}())\n"
        "asyncio.run(main())\n"
    )
    # Asynchronously: the Zalo stand-in lives in this event loop and must keep answering.
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code, env={**os.environ, **app.env},
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


def _inbox_workers(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    found = []
    for child in out.split():
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in cmdline:
            found.append(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    return state != "Z"


async def test_the_inbox_worker_stops_when_the_server_is_killed(zalo, live_app_factory):
    app = live_app_factory(env=zalo.env())
    workers = _inbox_workers(app.process.pid)
    assert len(workers) == 1  # serve started one inbox worker
    app.process.kill()
    app.process.wait()
    await wait_for(lambda: not _alive(workers[0]), within=15, what="the inbox worker to stop")


ROOT = Path(__file__).resolve().parents[2]
START_AND_DIE = """
import os
from bot.zalo.worker import start_worker_process
print(start_worker_process().pid, flush=True)
os._exit(0)  # the server gone while its worker is still importing
"""


def test_an_inbox_worker_whose_server_died_before_it_started_stops_too(zalo, tmp_path):
    env = {**os.environ, **zalo.env(), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"}
    started = subprocess.run([sys.executable, "-c", START_AND_DIE], env=env, capture_output=True, text=True,
                             timeout=60, check=True, cwd=ROOT)
    worker = int(started.stdout.split()[0])
    deadline = time.monotonic() + 60
    try:
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the orphaned inbox worker is still running"
    finally:
        if _alive(worker):
            os.kill(worker, 9)


async def test_the_callback_number_can_be_shared_with_zalos_form(app, zalo):
    user = "u-phone"
    await say(app, zalo, user, "Nhà dân xây thêm tầng không có giấy phép ở hẻm 12 Phan Bội Châu")
    await say(app, zalo, user, attachments=[{"type": "location", "payload": {"coordinates": BMT}}])
    reply = await say(app, zalo, user, "bỏ qua")
    assert "Nghị định 13" in reply
    await say(app, zalo, user, "có")
    await wait_for(lambda: any(s["recipient"]["user_id"] == user and "request_user_info" in str(s["message"])
                               for s in zalo.sends), what="the share-your-phone form")
    form = next(s["message"] for s in zalo.sends if s["recipient"]["user_id"] == user
                and "request_user_info" in str(s["message"]))
    element = form["attachment"]["payload"]["elements"][0]
    assert element["title"] == "Chia sẻ số điện thoại" and element["image_url"].endswith("/static/img/share-phone.png")
    before = len(zalo.texts(user))
    event = zalo.event("user_submit_info", user, msg_id=f"m{next(ids)}")
    event["info"] = {"name": "Chị Hoa", "phone": "0905123456"}
    assert (await post(app, zalo, event)).status_code == 200
    await wait_for(lambda: len(zalo.texts(user)) > before, what="the summary after the phone")
    async with app.session() as s:
        citizen = await s.scalar(select(Citizen).where(Citizen.external_id == user))
        assert citizen.phone == "0905123456" and citizen.consent_at is not None
