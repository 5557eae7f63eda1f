"""A small async client for the Zalo OA OpenAPI (see shared/ZALO.md).

Errors come in the JSON `error` field, often with HTTP 200. The caller learns what to do from
`ZaloError`: `final` (do not retry: window passed, not a follower, blocked) or `retry_at`.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from backend.core.config import get_settings
from backend.core.db import utcnow
from bot.zalo import tokens

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000
TOKEN_ERRORS = {-216, -220}
FINAL_ERRORS = {-230, -232, -213, -227, -244, -201, -100}
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
    import asyncio

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

    async def _call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        """One API call; on -216/-220 refresh the token once and try again."""
        token = await tokens.access_token()
        for attempt in (1, 2):
            resp = await self.http.request(method, self.base + path, headers={"access_token": token},
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
            if code in TOKEN_ERRORS and attempt == 1:
                log.warning("zalo token refused (%s), refreshing once", code)
                await tokens.refresh_if_needed(force=True, stale=token)
                token = await tokens.access_token()
                continue
            if code == RATE_LIMITED:
                raise ZaloError(code, message, retry_at=utcnow() + timedelta(seconds=60))
            if code == QUIET_HOURS:
                raise ZaloError(code, message, retry_at=next_morning())
            raise ZaloError(code, message, final=code in FINAL_ERRORS)
        raise ZaloError(-216, "token still refused after a refresh")

    async def _send(self, user_id: str, message: dict[str, Any]) -> dict[str, Any]:
        body = await self._call("POST", "/v3.0/oa/message/cs",
                                json={"recipient": {"user_id": user_id}, "message": message})
        return body.get("data") or {}

    async def send_text(self, user_id: str, text: str) -> list[dict[str, Any]]:
        return [await self._send(user_id, {"text": part}) for part in split_text(text)]

    async def send_image(self, user_id: str, *, url: str | None = None, attachment_id: str | None = None,
                         caption: str = "") -> dict[str, Any]:
        element: dict[str, Any] = {"media_type": "image"}
        if attachment_id:
            element["attachment_id"] = attachment_id
        else:
            element["url"] = url
        return await self._send(user_id, {"text": caption[:TEXT_LIMIT], "attachment": {
            "type": "template", "payload": {"template_type": "media", "elements": [element]}}})

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
