"""Security headers on every answer (the staff site, the portal, the API, the docs).

- `Content-Security-Policy`: scripts from this site only (everything is vendored; no inline
  script, no eval), no plugins, forms post here only, never framed (`frame-ancestors 'none'`);
  images from here, data: URLs and the map tile server of MAP_TILE_URL. Styles allow inline
  `style` attributes (layout only; no script can ride on them under this policy).
- `X-Frame-Options: DENY` for browsers without CSP level 2, `X-Content-Type-Options: nosniff`,
  `Referrer-Policy: strict-origin-when-cross-origin` (a report's address never leaves in a
  Referer), `Permissions-Policy` (location for this site only; no camera, microphone),
  `Cross-Origin-Opener-Policy: same-origin`.
- `Strict-Transport-Security` when BASE_URL is https (a year, subdomains included).
docker/nginx.conf sets the same headers for anything nginx answers itself."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.config import get_settings

HSTS = "max-age=31536000; includeSubDomains"


def tile_origin(template: str) -> str:
    """`https://tile.openstreetmap.org` of a tile URL template ('' when there are no tiles)."""
    if not template:
        return ""
    parts = urlsplit(template.replace("{s}", "a"))
    host = parts.netloc.replace("a.", "*.", 1) if "{s}" in template else parts.netloc
    return f"{parts.scheme}://{host}" if parts.scheme and host else ""


def policy() -> str:
    tiles = tile_origin(get_settings().map_tile_url)
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:" + (f" {tiles}" if tiles else ""),
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def header_list() -> list[tuple[bytes, bytes]]:
    settings = get_settings()
    headers = [
        ("content-security-policy", policy()),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
        ("permissions-policy", "geolocation=(self), camera=(), microphone=()"),
        ("cross-origin-opener-policy", "same-origin"),
    ]
    if settings.base_url.startswith("https://"):
        headers.append(("strict-transport-security", HSTS))
    return [(k.encode(), v.encode()) for k, v in headers]


class SecurityHeaders:
    """ASGI middleware: adds the headers to every HTTP answer that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = header_list()  # settings are built once per process

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
