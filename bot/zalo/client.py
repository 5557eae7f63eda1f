"""A small async client for the Zalo OA OpenAPI (see shared/ZALO.md).

Errors come in the JSON `error` field, often with HTTP 200. The caller learns what to do from
`ZaloError`: `final` (do not retry: window passed, not a follower, blocked) or `retry_at`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from backend.core.config import get_settings
from backend.core.db import utcnow
from bot.zalo import tokens
from bot.zalo.events import recipient_of

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000
TOKEN_ERRORS = {-216, -220}
# -217 is handled differently by other integrations (shared/ZALO.md, unverified): final here.
FINAL_ERRORS = {-230, -232, -213, -227, -244, -201, -217}
WINDOW_PASSED = {-230, -232}  # consultation messages refused: the person wrote too long ago
# -100 (attachment expired / temporary, unsettled): tried again a few times, then final.
TRANSIENT = -100
TRANSIENT_RETRIES = 2
TRANSIENT_DELAY = 0.5  # seconds, times the attempt number
RATE_LIMITED = -32
QUIET_HOURS = -234
DEFAULT_TIMEOUT = 10.0


class ZaloError(Exception):
    def __init__(self, code: int, message: str, *, final: bool = False, retry_at: datetime | None = None) -> None:
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message
        self.final = final
        self.retry_at = retry_at


def next_morning(now: datetime | None = None) -> datetime:
    """06:00 local time after `now` (Zalo refuses messages 22:00-06:00)."""
    tz = ZoneInfo(get_settings().timezone)
    local = (now or utcnow()).astimezone(tz)
    target = local.replace(hour=6, minute=0, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return target


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split on line breaks (then spaces) so no part exceeds the limit."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


_shared: dict[int, httpx.AsyncClient] = {}


def _shared_http() -> httpx.AsyncClient:
    """One connection pool per event loop: a new client per message costs more than the message."""
    key = id(asyncio.get_running_loop())
    client = _shared.get(key)
    if client is None or client.is_closed:
        client = _shared[key] = httpx.AsyncClient(limits=httpx.Limits(max_connections=50))
    return client


class ZaloClient:
    def __init__(self, http: httpx.AsyncClient | None = None, timeout: float | None = None) -> None:
        self.base = get_settings().zalo_api_base.rstrip("/")
        self.own = http is not None
        self.http = http or _shared_http()
        self.timeout = timeout or DEFAULT_TIMEOUT

    async def aclose(self) -> None:
        if self.own:
            await self.http.aclose()

    async def __aenter__(self) -> ZaloClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _call(self, method: str, path: str, *, base: str | None = None, **kw: Any) -> dict[str, Any]:
        """One API call; on -216/-220 refresh the token once and try again; on -100 try again a
        bounded number of times, then give up for good."""
        token = await tokens.access_token()
        refreshed = False
        transient = 0
        while True:
            resp = await self.http.request(method, (base or self.base) + path, headers={"access_token": token},
                                           timeout=self.timeout, **kw)
            if resp.status_code >= 500:
                raise ZaloError(resp.status_code, f"HTTP {resp.status_code}")
            try:
                body = resp.json()
            except ValueError as exc:
                raise ZaloError(resp.status_code, f"HTTP {resp.status_code}, not JSON") from exc
            code = int(body.get("error", 0) or 0)
            if code == 0:
                return body
            message = str(body.get("message", ""))
            if code in TOKEN_ERRORS:
                if refreshed:
                    raise ZaloError(code, "token still refused after a refresh")
                log.warning("zalo token refused (%s), refreshing once", code)
                await tokens.refresh_if_needed(force=True, stale=token)
                token = await tokens.access_token()
                refreshed = True
                continue
            if code == TRANSIENT:
                if transient < TRANSIENT_RETRIES:
                    transient += 1
                    await asyncio.sleep(TRANSIENT_DELAY * transient)
                    continue
                raise ZaloError(code, message, final=True)
            if code == RATE_LIMITED:
                raise ZaloError(code, message, retry_at=utcnow() + timedelta(seconds=60))
            if code == QUIET_HOURS:
                raise ZaloError(code, message, retry_at=next_morning())
            raise ZaloError(code, message, final=code in FINAL_ERRORS)

    async def _send(self, user_id: str, message: dict[str, Any], kind: str = "cs") -> dict[str, Any]:
        """`kind`: "cs" (consultation: replies, within the window after the person's last
        message) or "transaction" (report-status notices, also past that window)."""
        body = await self._call("POST", f"/v3.0/oa/message/{kind}",
                                json={"recipient": recipient_of(user_id), "message": message})
        return body.get("data") or {}

    async def send_text(self, user_id: str, text: str) -> list[dict[str, Any]]:
        """Split at 2000 characters; an empty text is not sent (Zalo refuses it)."""
        if not text.strip():
            return []
        return [await self._send(user_id, {"text": part}) for part in split_text(text)]

    async def send_image(self, user_id: str, *, url: str | None = None, attachment_id: str | None = None,
                         caption: str = "") -> dict[str, Any]:
        element: dict[str, Any] = {"media_type": "image"}
        if attachment_id:
            element["attachment_id"] = attachment_id
        else:
            element["url"] = url
        message: dict[str, Any] = {"attachment": {
            "type": "template", "payload": {"template_type": "media", "elements": [element]}}}
        if caption.strip():  # never an empty text with the media template
            message["text"] = caption[:TEXT_LIMIT]
        return await self._send(user_id, message)

    async def send_transaction(self, user_id: str, *, title: str, text: str, rows: list[tuple[str, str]],
                               template_type: str = "transaction_order") -> dict[str, Any]:
        """A transaction message (Zalo's type for status notices of a person's own case): a
        header, the text, and a key/value table. Accepted past the consultation window."""
        elements: list[dict[str, Any]] = [
            {"type": "header", "content": title[:100], "align": "left"},
            {"type": "text", "content": text[:1000], "align": "left"},
        ]
        if rows:
            elements.append({"type": "table", "content": [{"key": k[:25], "value": v[:100]} for k, v in rows]})
        payload = {"template_type": template_type, "language": "VI", "elements": elements}
        return await self._send(user_id, {"attachment": {"type": "template", "payload": payload}},
                                kind="transaction")

    async def send_zns(self, phone: str, *, template_id: str, data: dict[str, str],
                       tracking_id: str) -> dict[str, Any]:
        """A ZNS template notification to a phone number (84xxxxxxxxx), sent through the
        business API; returns `data` with Zalo's `msg_id`."""
        body = await self._call("POST", "/message/template", base=get_settings().zalo_zns_base.rstrip("/"), json={
            "phone": phone, "template_id": template_id, "template_data": data, "tracking_id": tracking_id[:48]})
        return body.get("data") or {}

    async def request_user_info(self, user_id: str, *, title: str, subtitle: str, image_url: str) -> dict[str, Any]:
        return await self._send(user_id, {"attachment": {"type": "template", "payload": {
            "template_type": "request_user_info",
            "elements": [{"title": title, "subtitle": subtitle, "image_url": image_url}]}}})

    async def upload_image(self, data: bytes, filename: str = "photo.jpg",
                           content_type: str = "image/jpeg") -> str:
        body = await self._call("POST", "/v2.0/oa/upload/image", files={"file": (filename, data, content_type)})
        return str((body.get("data") or {}).get("attachment_id", ""))

    async def user_detail(self, user_id: str) -> dict[str, Any]:
        body = await self._call("GET", "/v3.0/oa/user/detail", params={"data": json.dumps({"user_id": user_id})})
        return body.get("data") or {}
