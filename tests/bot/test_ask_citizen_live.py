"""Ask the citizen, end to end on both chat channels: a citizen files a report in chat, an officer
asks through POST /api/v1/reports/{code}/questions, the question reaches the citizen through the
outbox, their next message lands on the timeline as `citizen_answer`."""

from __future__ import annotations

import httpx
import test_telegram_live as tg
import test_zalo_live as zl
from standins import wait_for
from test_zalo_live import BMT, run_job

from backend.staff import service as staff_service

QUESTION = "Đống rác nằm trước số nhà nào ạ?"
ANSWER = "Trước nhà số 45 Phan Chu Trinh, cạnh cột điện"


async def officer_token(app) -> str:
    async with app.session() as s:
        await staff_service.create_user(session=s, username="giamsat", password="secret123", role="supervisor",
                                        full_name="Giám sát")
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.post(app.url + "/api/v1/auth/token", data={"username": "giamsat",
                                                                       "password": "secret123"})
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


async def ask_and_read_answer(app, code: str, deliver_answer) -> dict:
    token = await officer_token(app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=10, headers=headers) as client:
        resp = await client.post(f"{app.url}/api/v1/reports/{code}/questions", json={"text": QUESTION})
        assert resp.status_code == 201, resp.text
        assert resp.json()["status"] == "waiting"
        await run_job(app, "outbox_retry")
        await deliver_answer()
        report = (await client.get(f"{app.url}/api/v1/reports/{code}")).json()
    return report


async def test_the_officers_question_and_the_answer_go_through_zalo(zalo, live_app_factory):
    app = live_app_factory(env=zalo.env())
    user = "u-ask"
    await zl.say(app, zalo, user, "Có người đổ rác thải bừa bãi ra lề đường, bốc mùi hôi thối")
    await zl.say(app, zalo, user, attachments=[{"type": "location", "payload": {"coordinates": BMT}}])
    reply = await zl.say(app, zalo, user, "bỏ qua")
    if "Nghị định 13" in reply:
        await zl.say(app, zalo, user, "không")
    code = (await zl.say(app, zalo, user, "xác nhận")).split("Mã tra cứu: ")[1].split()[0]

    async def answer() -> None:
        assert any(QUESTION in t for t in zalo.texts(user)), zalo.texts(user)
        assert "Cảm ơn" in await zl.say(app, zalo, user, ANSWER)

    report = await ask_and_read_answer(app, code, answer)
    answers = [e for e in report["timeline"] if e["action"] == "citizen_answer"]
    assert [e["note"] for e in answers] == [ANSWER]


async def test_the_officers_question_and_the_answer_go_through_telegram(telegram, live_app_factory):
    app = live_app_factory(env={"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE": telegram.url,
                                "TELEGRAM_MODE": "polling"})
    await tg.say(telegram, text="Quán cà phê bày bàn ghế chiếm hết vỉa hè đường Lê Duẩn")
    await tg.say(telegram, location={"latitude": 12.6675, "longitude": 108.0378})
    reply = await tg.say(telegram, text="bỏ qua")
    if "Nghị định 13" in reply:
        await tg.say(telegram, text="không")
    code = (await tg.say(telegram, text="xác nhận")).split("Mã tra cứu: ")[1].split()[0]

    async def answer() -> None:
        await wait_for(lambda: any(QUESTION in t for t in telegram.sent_texts()), what="the question on Telegram")
        assert "Cảm ơn" in await tg.say(telegram, text=ANSWER)

    report = await ask_and_read_answer(app, code, answer)
    answers = [e for e in report["timeline"] if e["action"] == "citizen_answer"]
    assert [e["note"] for e in answers] == [ANSWER]
