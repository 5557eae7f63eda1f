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

from backend.citizens import service as citizens_service
from backend.core.config import get_settings
from backend.core.db import session_scope
from bot.dialogue import engine, turns
from bot.dialogue.messages import OutgoingMessage
from bot.zalo import freshness
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


async def _mark(key: str, status: str, session: Any = None, **values: Any) -> None:
    if session is not None:
        await turns.mark(session, "zalo", key, status, **values)
        return
    async with writing(), session_scope() as own:
        await turns.mark(own, "zalo", key, status, **values)


async def process(event: dict[str, Any], key: str, receipts: Receipts | None = None) -> None:
    """Run the dialogue for one event and deliver its replies.

    The turn and its replies are committed together (the event is then "answered"), and only then
    sent: a reply never announces what was not saved, and a worker that dies before sending leaves
    the replies stored for `inbox.recover()` to send (at least once, never lost). Delivered events
    are marked done through `receipts` (batched by the worker) or at once."""
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
            await _mark(key, "answered", session, replies=[r.to_dict() for r in replies])
    except Exception:
        log.exception("zalo event %s failed", key)
        await _mark(key, "failed")
        return
    await deliver(key, incoming.user_id, replies, receipts)


async def deliver(key: str, user_id: str, replies: list[OutgoingMessage], receipts: Receipts | None = None) -> None:
    """Send an answered event's replies; what Zalo cannot take now goes to the outbox (retried
    with backoff) in the same transaction that marks the event done."""
    from backend.notifications.sender import DeliveryError, queue_reply
    from bot.zalo.render import send_messages

    try:
        await send_messages(user_id, replies)
    except DeliveryError as exc:
        unsent = replies[getattr(exc, "sent", 0):]
        log.warning("zalo reply to %s not sent (%s)", user_id, exc)
        async with writing(), session_scope() as session:
            if not exc.final and unsent:
                citizen = await citizens_service.get_or_create(session=session, channel="zalo", external_id=user_id)
                await queue_reply(session, citizen=citizen, messages=unsent, error=str(exc))
            await _mark(key, "done", session)
        return
    except Exception:  # an unexpected failure: the replies stay stored, recover() tries again
        log.exception("zalo reply to %s failed", user_id)
        return
    if receipts is not None:
        receipts.add(key)
    else:
        await _mark(key, "done")


class Receipts:
    """Events whose replies went out, marked done together: one UPDATE per `every` events instead
    of one per event. Until then an event stays "answered"; if the worker dies in between,
    `recover()` sends those replies again (a rare duplicate rather than a lost reply)."""

    def __init__(self, every: int = 32) -> None:
        self.every = every
        self.keys: list[str] = []

    def add(self, key: str) -> None:
        self.keys.append(key)

    @property
    def due(self) -> bool:
        return len(self.keys) >= self.every

    async def flush(self) -> None:
        keys, self.keys = self.keys, []
        if not keys:
            return
        try:
            async with writing(), session_scope() as session:
                await turns.mark(session, "zalo", keys, "done", only_from="answered")
        except Exception:
            self.keys[:0] = keys  # tried again with the next flush
            raise


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
    refused = freshness.refusal(event)
    if refused:
        if get_settings().zalo_signature_mode == "enforce":
            log.warning("zalo webhook: %s event %s refused", refused, event.get("event_name"))
            return JSONResponse({"error": refused}, status_code=403)
        log.warning("zalo webhook: %s event accepted (ZALO_SIGNATURE_MODE=log)", refused)
    name = str(event.get("event_name", ""))
    if ignored(name):
        return JSONResponse({"ok": True, "ignored": name})
    if not await get_inbox().claim(event_key(event), event):
        return JSONResponse({"ok": True, "duplicate": True})
    return JSONResponse({"ok": True})
