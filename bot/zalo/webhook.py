"""POST /webhooks/zalo: check the signature, claim the event id, answer 200 at once, work after.

Zalo wants 200 within 2 s and redelivers otherwise, so the answer path does only the signature
check and the claim of the event id (batched inserts into the processed-ids table, payload kept:
a redelivery finds its id and is skipped); the dialogue and the replies run after, in the inbox's
workers, each with its own session (see bot/zalo/inbox.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import update

from backend.citizens import service as citizens_service
from backend.core.config import get_settings
from backend.core.db import session_scope
from bot.dialogue import engine
from bot.dialogue.models import ProcessedEvent
from bot.zalo.events import event_key, ignored, to_incoming
from bot.zalo.inbox import get_inbox, writing
from nlu import service as nlu_service

log = logging.getLogger(__name__)
router = APIRouter(tags=["zalo"])


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


async def _mark(key: str, status: str, session: Any = None) -> None:
    # No ProcessedEvent object is loaded in these sessions: nothing to synchronise (that step alone
    # cost the inbox worker about a tenth of its time per event).
    stmt = (
        update(ProcessedEvent)
        .where(ProcessedEvent.channel == "zalo", ProcessedEvent.event_id == key)
        .execution_options(synchronize_session=False)
    )
    if session is not None:
        await session.execute(stmt.values(status=status))
        return
    async with session_scope() as own:
        await own.execute(stmt.values(status=status))


async def process(event: dict[str, Any], key: str) -> None:
    """Run the dialogue for one event (marked done in the same transaction) and send the replies;
    replies that cannot be sent now go to the outbox."""
    from backend.notifications.sender import DeliveryError, queue_reply
    from bot.zalo.render import send_messages

    incoming = to_incoming(event)
    try:
        if incoming is None:
            await _mark(key, "done")
            return
        if incoming.text and get_settings().nlu_backend != "rasa":
            # Classify before the transaction (the parse is remembered): on SQLite the write lock,
            # which the webhook's answers also need, is then held for less time.
            await nlu_service.parse(incoming.text.strip())
        async with writing(), session_scope() as session:
            replies = await engine.handle(incoming, session=session)
            await _mark(key, "done", session)
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
        log.exception("zalo event %s failed", key)
        await _mark(key, "failed")


@router.post("/webhooks/zalo")
async def zalo_webhook(request: Request) -> JSONResponse:
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
    if not await get_inbox().claim(event_key(event), event):
        return JSONResponse({"ok": True, "duplicate": True})
    return JSONResponse({"ok": True})
