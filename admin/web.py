"""Rendering for the staff site and the portal: one Jinja2 environment, filters for Vietnamese
dates, countdowns and masked phones, and a route class that turns errors into HTML pages."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from admin import auth, texts
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.errors import DomainError, TooManyRequests
from backend.core.logging import get_logger
from backend.core.masking import mask_phone, public_text
from backend.geo.precision import label as precision_label
from backend.reports.media_access import media_url

log = get_logger(__name__)
BAD_PARAMETER = "Địa chỉ trang có tham số không hợp lệ."
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def local(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(get_settings().timezone)).strftime(fmt)


def span(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} ngày {hours} giờ"
    if hours:
        return f"{hours} giờ {mins} phút"
    return f"{mins} phút"


def countdown(due: datetime | None, now: datetime | None = None) -> str:
    if due is None:
        return ""
    delta = due - (now or utcnow())
    return f"còn {span(delta)}" if delta.total_seconds() >= 0 else f"quá hạn {span(delta)}"


env = TEMPLATES.env
env.filters.update(local=local, countdown=countdown, mask_phone=mask_phone, public_text=public_text,
                   urlquote=lambda v: quote(str(v)), precision=precision_label)
env.globals.update(
    STATUS=texts.STATUS_LABELS, ROLES=texts.ROLE_LABELS, CHANNELS=texts.CHANNEL_LABELS,
    EVENTS=texts.EVENT_LABELS, BUTTONS=texts.BUTTON_LABELS, OUTBOX=texts.OUTBOX_LABELS,
    OUTBOX_KINDS=texts.OUTBOX_KINDS, media_url=media_url, UNITS=texts.UNIT_LABELS, ROUTES=texts.ROUTE_LABELS,
    RECEIPTS=texts.RECEIPT_LABELS, CALLBACK_REASONS=texts.CALLBACK_REASONS,
    zalo_verification=lambda: (get_settings().zalo_site_verification or "").strip(),  # meta tag on /
)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("user", getattr(request.state, "user", None))
    context["csrf"] = auth.csrf_token(request)
    context["map_tiles"] = get_settings_map_tiles()
    response = TEMPLATES.TemplateResponse(request, name, context, status_code=status_code)
    auth.remember_csrf(request, response)
    return response


def get_settings_map_tiles() -> str:
    """Tile URL template for Leaflet; MAP_TILE_URL (empty = no tiles, the map still shows points)."""
    return get_settings().map_tile_url


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    page = "error.html" if request.url.path.startswith("/admin") else "portal/error.html"
    return render(request, page, status_code=status_code, message=message.split(" / ")[0], code=status_code)


class HtmlRoute(APIRoute):
    """Errors on an HTML route become pages (or a redirect to the login page), not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except auth.LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/admin/login?next={quote(target)}", status_code=303)
            except auth.CsrfFailed:
                return error_page(request, 403, texts.CSRF_FAILED)
            except RequestValidationError as exc:  # a path or query parameter of the wrong type or size
                if request.headers.get("accept", "").startswith("application/json"):
                    return JSONResponse({"error": "validation_error", "detail": BAD_PARAMETER,
                                         "errors": jsonable_encoder(exc.errors())}, status_code=422)
                return error_page(request, 400, BAD_PARAMETER)
            except DomainError as exc:
                if request.headers.get("accept", "").startswith("application/json"):
                    return JSONResponse({"error": exc.code, "detail": exc.message}, status_code=exc.status_code)
                page = error_page(request, exc.status_code, exc.message)
                if isinstance(exc, TooManyRequests):
                    page.headers["Retry-After"] = str(exc.retry_after)
                return page

        return route
