"""POST /webhooks/zalo: check the signature, claim the event id, answer 200 at once, work after.

Zalo wants 200 within 2 s and redelivers otherwise, so the answer path does only the signature
check and one insert (the processed-ids table: a redelivery finds its id and is skipped); the
dialogue and the replies run in a background task with their own session.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from backend.citizens import service as citizens_service
from backend.core.config import get_settings
from backend.core.db import session_scope
from bot.dialogue import engine
from bot.dialogue.models import ProcessedEvent
from bot.zalo.events import event_key, ignored, to_incoming

log = logging.getLogger(__name__)
router = APIRouter(tags=["zalo"])
WORKERS = 8  # dialogue tasks at once: keeps SQLite writers few and the answer path fast
_slots: dict[int, asyncio.Semaphore] = {}


def expected_mac(raw: bytes, event: dict[str, Any], secret: str) -> str:
    basis = str(event.get("app_id", "")).encode() + raw + str(event.get("timestamp", "")).encode() + secret.encode()
    return hashlib.sha256(basis).hexdigest()


def signature_ok(raw: bytes, event: dict[str, Any], header: str | None) -> bool:
    secret = get_settings().zalo_oa_secret_key
    if not secret or not header:
        return False
    given = header.strip()
    given = given[4:] if given.lower().startswith("mac=") else given
    return hmac.compare_digest(given.lower(), expected_mac(raw, event, secret))


async def claim(key: str) -> bool:
    """True the first time this event id is seen."""
    try:
        async with session_scope() as session:
            session.add(ProcessedEvent(channel="zalo", event_id=key))
    except IntegrityError:
        return False
    return True


def _slot() -> asyncio.Semaphore:
    loop_id = id(asyncio.get_running_loop())
    if loop_id not in _slots:
        _slots[loop_id] = asyncio.Semaphore(WORKERS)
    return _slots[loop_id]


async def process(event: dict[str, Any], key: str) -> None:
    """Run the dialogue for one event and send the replies; unsent replies go to the outbox."""
    from backend.notifications.sender import DeliveryError, queue_reply
    from bot.zalo.render import send_messages

    incoming = to_incoming(event)
    status = "done"
    async with _slot():
        try:
            if incoming is not None:
                async with session_scope() as session:
                    replies = await engine.handle(incoming, session=session)
                try:
                    await send_messages(incoming.user_id, replies)
                except DeliveryError as exc:
                    unsent = replies[getattr(exc, "sent", 0):]
                    log.warning("zalo reply to %s not sent (%s)", incoming.user_id, exc)
                    if not exc.final and unsent:
                        async with session_scope() as session:
                            citizen = await citizens_service.get_or_create(
                                session=session, channel="zalo", external_id=incoming.user_id)
                            await queue_reply(session, citizen=citizen, messages=unsent, error=str(exc))
        except Exception:
            status = "failed"
            log.exception("zalo event %s failed", key)
        async with session_scope() as session:
            await session.execute(update(ProcessedEvent).where(
                ProcessedEvent.channel == "zalo", ProcessedEvent.event_id == key).values(status=status))


@router.post("/webhooks/zalo")
async def zalo_webhook(request: Request, background: BackgroundTasks) -> JSONResponse:
    raw = await request.body()
    try:
        event = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return JSONResponse({"error": "malformed JSON"}, status_code=400)
    if not isinstance(event, dict):
        return JSONResponse({"error": "expected an object"}, status_code=400)
    if not event:  # Zalo's unsigned check when the webhook URL is saved
        return JSONResponse({"ok": True})
    if not signature_ok(raw, event, request.headers.get("X-ZEvent-Signature")):
        if get_settings().zalo_signature_mode == "enforce":
            log.warning("zalo webhook: bad signature, event %s refused", event.get("event_name"))
            return JSONResponse({"error": "bad signature"}, status_code=401)
        log.warning("zalo webhook: bad signature, accepted (ZALO_SIGNATURE_MODE=log)")
    name = str(event.get("event_name", ""))
    if ignored(name):
        return JSONResponse({"ok": True, "ignored": name})
    key = event_key(event)
    if not await claim(key):
        return JSONResponse({"ok": True, "duplicate": True})
    background.add_task(process, event, key)
    return JSONResponse({"ok": True})
