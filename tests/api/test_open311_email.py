"""An Open311 reporter who left an `email` hears by e-mail (a real SMTP server): received, then
resolved with the public page and the rating link; nothing is queued when e-mail is off."""

from __future__ import annotations

import asyncio
from email import message_from_bytes
from email.header import decode_header, make_header

from sqlalchemy import select

from backend.core.actor import Actor
from backend.notifications.models import Outbox
from backend.notifications.sender import deliver_due
from backend.reports import service as reports_service

POST = {"service_code": "littering", "description": "Rác đổ đầy gốc cây trước nhà văn hoá", "lat": "12.6675",
        "long": "108.0378", "email": "nguoi.dan@example.vn"}


async def letters(smtp, count: int) -> list[tuple[str, str, str]]:
    for _ in range(100):
        if len(smtp.messages) >= count:
            break
        await asyncio.sleep(0.05)
    out = []
    for _from, to, content in smtp.messages:
        mail = message_from_bytes(content)
        out.append((to[0], str(make_header(decode_header(mail["Subject"]))), mail.get_payload(decode=True).decode()))
    return out


async def file_request(app_client, key: str) -> str:
    response = await app_client.post("/open311/v2/requests.json", data={**POST, "api_key": key})
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


async def test_the_reporter_gets_the_receipt_and_the_result_by_email(app_client, session, open311_key, make_user, smtp):
    code = await file_request(app_client, open311_key)
    report = await reports_service.get(session=session, code=code)
    admin = await make_user("admin")
    await reports_service.transition(session=session, report=report, action="resolve", actor=Actor.staff(admin),
                                     note="Đã thu gom rác, vệ sinh gốc cây")
    await session.commit()
    assert (await deliver_due())["sent"] >= 2
    (received, resolved) = [m for m in await letters(smtp, 2) if m[0] == "nguoi.dan@example.vn"]
    assert received[1] == f"Đã tiếp nhận phản ánh {code}. Hạn xử lý: {received[1].split('Hạn xử lý: ')[1]}"
    assert f"/reports/{code}" in received[2]
    assert resolved[1] == f"Phản ánh {code} đã được xử lý."
    assert "Đã thu gom rác, vệ sinh gốc cây" in resolved[2] and "/rate/" in resolved[2]
    assert "bấm nút" not in resolved[2] and "gõ một số" not in resolved[2]  # no chat hints in a letter


async def test_no_email_is_queued_when_smtp_is_off(app_client, session, open311_key) -> None:
    await file_request(app_client, open311_key)
    assert (await session.scalars(select(Outbox).where(Outbox.channel == "email"))).all() == []
