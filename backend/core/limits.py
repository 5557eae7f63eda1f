"""Request body limits, enforced before anything reads the body.

A declared Content-Length over the limit is answered 413 at once; a body without one (chunked)
is counted as it arrives and cut off at the limit. Uploads (multipart/form-data) may carry
PHOTOS_PER_REPORT photos of PHOTO_MAX_BYTES each; everything else (JSON, forms, webhooks)
REQUEST_MAX_BYTES."""

from __future__ import annotations

import contextlib
import json
from typing import Any
from xml.etree import ElementTree

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.config import get_settings

MULTIPART_OVERHEAD = 1024 * 1024  # form fields and part headers beside the photos
OPEN311_PREFIX = "/open311/"  # GeoReport v2 clients read errors as the spec's list


class BodyTooLarge(Exception):
    pass


def limit_for(content_type: str) -> int:
    settings = get_settings()
    if content_type.startswith("multipart/form-data"):
        return settings.photo_max_bytes * settings.photos_per_report + MULTIPART_OVERHEAD
    return settings.request_max_bytes


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = limit_for(headers.get("content-type", ""))
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit, scope.get("path", ""))
            return
        seen = 0
        over = False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            if not over:  # the app's own answer to a cut-off body (400 "error parsing") is dropped
                await send(message)

        with contextlib.suppress(BodyTooLarge):
            await self.app(scope, counted, guarded)
        if over:
            await _too_large(send, limit, scope.get("path", ""))


def _open311_body(path: str, message: str) -> tuple[bytes, bytes]:
    """GeoReport v2's error list (its routes answer nothing else): XML unless the path ends .json."""
    if path.endswith(".json"):
        return json.dumps([{"code": 413, "description": message}], ensure_ascii=False).encode(), b"application/json"
    errors = ElementTree.Element("errors")
    error = ElementTree.SubElement(errors, "error")
    ElementTree.SubElement(error, "code").text = "413"
    ElementTree.SubElement(error, "description").text = message
    return ElementTree.tostring(errors, encoding="utf-8", xml_declaration=True), b"text/xml"


async def _too_large(send: Send, limit: int, path: str = "") -> None:
    mb = limit / (1024 * 1024)
    message = f"Dữ liệu gửi lên quá lớn (tối đa {mb:.1f} MB)"
    if path.startswith(OPEN311_PREFIX):
        raw, media_type = _open311_body(path, message)
    else:
        body: dict[str, Any] = {"error": "payload_too_large", "detail": message, "limit_bytes": limit}
        raw, media_type = json.dumps(body, ensure_ascii=False).encode(), b"application/json"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", media_type + b"; charset=utf-8"),
                            (b"content-length", str(len(raw)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": raw})
