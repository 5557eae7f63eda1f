"""POST /webhooks/zalo: check the signature, claim the event id, answer 200 at once, work after.

Zalo wants 200 within 2 s and redelivers otherwise, so the answer path does only the signature
check and the claim of the event id (batched inserts into the processed-ids table, payload kept:
a redelivery finds its id and is skipped: bot/zalo/inbox.py); the dialogue and the replies run
after, in the inbox worker (bot/zalo/worker.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from backend.core.config import get_settings
from bot.zalo import freshness
from bot.zalo.events import event_key, ignored
from bot.zalo.inbox import get_inbox

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
    if ignored(name, event):
        return JSONResponse({"ok": True, "ignored": name})
    if not await get_inbox().claim(event_key(event), event):
        return JSONResponse({"ok": True, "duplicate": True})
    return JSONResponse({"ok": True})
