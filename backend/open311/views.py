"""Open311 GeoReport v2: discovery, services, a service's definition, requests (GET, POST), one
request; each route as `.xml` (the spec's default, also with no extension) and `.json`.

Reading is public like most 311 endpoints: it shows no personal data (free text masked by
backend/core/masking.py) and look-ups are rate-limited per client. A POST needs an `api_key`
issued by an admin (backend/open311/keys.py), limited per key, and files a report as the web
portal does (channel `open311`). Every error, a bad parameter or an unknown route included, is
the spec's list of `{code, description}` in the format asked for, never FastAPI's `{"detail"}`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from backend.core import ratelimit
from backend.core.config import get_settings
from backend.core.deps import SessionDep
from backend.core.errors import AuthenticationFailed, DomainError, NotFound, TooManyRequests
from backend.open311 import keys
from backend.open311 import service as open311
from backend.open311.formats import errors, format_of, respond
from backend.reports import queries
from backend.reports.schemas import ReportCreate

log = logging.getLogger(__name__)
SPEC = "http://wiki.open311.org/GeoReport_v2"


def _describe(exc: RequestValidationError | ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form"))
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg", "invalid")))
    return "; ".join(parts) or "invalid parameters"


class Open311Route(APIRoute):
    """Errors of these routes in the spec's form: a bad parameter is a 400, a domain error its own
    status, anything unexpected a logged 500, in the format the path asks for."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            fmt = format_of(request.url.path)
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return errors(fmt, 400, _describe(exc))
            except TooManyRequests as exc:
                return errors(fmt, 429, exc.message, headers={"Retry-After": str(exc.retry_after)})
            except DomainError as exc:
                return errors(fmt, 400 if exc.status_code == 422 else exc.status_code, exc.message)
            except StarletteHTTPException as exc:
                return errors(fmt, exc.status_code, str(exc.detail))
            except Exception:
                log.exception("open311 %s failed", request.url.path)
                return errors(fmt, 500, "Lỗi hệ thống, vui lòng thử lại")

        return guarded


router = APIRouter(prefix="/open311", tags=["open311"], route_class=Open311Route)


def route(path: str, methods: tuple[str, ...] = ("GET",)) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """One handler at `path.xml`, `path.json` and `path` (XML); only `.json` in the OpenAPI."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        for suffix in (".xml", ".json", ""):
            router.add_api_route(path + suffix, fn, methods=list(methods), include_in_schema=suffix == ".json",
                                 response_model=None, name=f"{fn.__name__}{suffix or '.default'}")
        return fn

    return register


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def bounded_date(value: datetime | None) -> datetime | None:
    """A date filter as an aware UTC time (naive means UTC), within 2000..2100."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        inside = EARLIEST <= value <= LATEST
    except OverflowError:
        inside = False
    if not inside:
        raise ValueError("dates must lie between 2000-01-01 and 2100-01-01")
    return value


@route("/discovery")
async def discovery(request: Request) -> Response:
    base = get_settings().base_url.rstrip("/")
    changeset = "2026-12-01T00:00:00Z"
    return respond(format_of(request.url.path), "discovery", {
        "changeset": changeset,
        "contact": "Trung tâm Giám sát, điều hành đô thị thông minh tỉnh Đắk Lắk (IOC)",
        "key_service": "Khóa API do quản trị viên hệ thống cấp (phananh apikey add TÊN)",
        "endpoints": [{
            "specification": SPEC, "url": f"{base}/open311/v2", "changeset": changeset, "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    })


@route("/v2/services")
async def services(request: Request, session: SessionDep, jurisdiction_id: str | None = None) -> Response:
    return respond(format_of(request.url.path), "services", await open311.services(session=session))


@route("/v2/services/{service_code}")
async def service_definition(request: Request, session: SessionDep, service_code: str,
                             jurisdiction_id: str | None = None) -> Response:
    found = await open311.definition(session=session, service_code=service_code[:64])
    return respond(format_of(request.url.path), "service_definition", found)


@route("/v2/requests")
async def list_requests(
    request: Request,
    session: SessionDep,
    service_request_id: Annotated[str | None, Query(max_length=2000)] = None,
    service_code: Annotated[str | None, Query(max_length=2000)] = None,
    status: str | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    jurisdiction_id: str | None = None,
) -> Response:
    fmt = format_of(request.url.path)
    settings = get_settings()
    try:
        start_date, end_date = bounded_date(start_date), bounded_date(end_date)
    except (ValueError, OverflowError) as exc:
        return errors(fmt, 400, str(exc))
    codes = [c.strip().upper()[:32] for c in service_request_id.split(",") if c.strip()] if service_request_id else []
    if len(codes) > settings.lookup_max_codes:
        return errors(fmt, 400, f"service_request_id: at most {settings.lookup_max_codes} ids at once")
    if codes:
        await ratelimit.check("lookup", client_key(request), settings.lookup_per_minute, cost=len(codes))
    if status and status not in ("open", "closed"):
        return errors(fmt, 400, "status must be open or closed")
    rows = await queries.public_list(
        session=session,
        codes=codes,
        category_codes=service_code.split(",")[:100] if service_code else (),
        open_=None if not status else status == "open",
        since=start_date,
        until=end_date,
        limit=page_size,
    )
    return respond(fmt, "service_requests", await open311.as_requests(session=session, reports=rows))


@route("/v2/requests/{request_id}")
async def one_request(request: Request, session: SessionDep, request_id: str,
                      jurisdiction_id: str | None = None) -> Response:
    fmt = format_of(request.url.path)
    await ratelimit.check("lookup", client_key(request), get_settings().lookup_per_minute)
    try:
        report = await queries.get(session=session, code=request_id[:32])
    except NotFound:
        return errors(fmt, 404, f"service request {request_id[:32]} not found")
    return respond(fmt, "service_requests", await open311.as_requests(session=session, reports=[report]))


def _field(form: Any, name: str) -> str | None:
    value = form.get(name)
    if value is None or isinstance(value, UploadFile):
        return None
    return str(value).strip() or None


def _number(form: Any, name: str) -> float | None:
    raw = _field(form, name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise DomainError(f"{name} must be a number") from exc


@route("/v2/requests", methods=("POST",))
async def create_request(request: Request, session: SessionDep) -> Response:
    """POST a service request (form-encoded, or multipart with the photo as `media`)."""
    fmt = format_of(request.url.path)
    form = await request.form()
    try:
        key = await keys.authorize(session=session, key=_field(form, "api_key") or request.query_params.get("api_key"))
    except AuthenticationFailed as exc:
        await session.rollback()
        return errors(fmt, 403, exc.message)
    service_code = _field(form, "service_code")
    if not service_code:
        return errors(fmt, 400, "service_code is required")
    name = " ".join(p for p in (_field(form, "last_name"), _field(form, "first_name")) if p) or None
    try:
        report_in = ReportCreate(
            description=_field(form, "description") or "",
            latitude=_number(form, "lat"),
            longitude=_number(form, "long"),
            address=_field(form, "address_string"),
            phone=_field(form, "phone"),
            email=_field(form, "email"),
            name=name,
            category=service_code,
            channel="open311",
        )
    except ValidationError as exc:
        return errors(fmt, 400, _describe(exc))
    upload = form.get("media")
    data = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    filed = await open311.file_request(session=session, report_in=report_in, media=_field(form, "media_url"),
                                       upload=data, client=key.name)
    report = filed.report
    notice = f"Đã chuyển {report.agency.name}" if report.agency else "Đã tiếp nhận, đang phân loại"
    if filed.media_error:
        notice += f"; ảnh chưa lưu được: {filed.media_error}"
    return respond(fmt, "service_requests", [
        {"service_request_id": report.code, "service_notice": notice, "account_id": None},
    ])


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                  include_in_schema=False)
async def unknown(request: Request, rest: str) -> Response:
    """Anything else under /open311: 405 for a known route asked with another method, else 404."""
    fmt = format_of(request.url.path)
    for other in router.routes:
        if other.name != "unknown" and other.matches(request.scope)[0] == Match.PARTIAL:
            return errors(fmt, 405, f"{request.method} is not allowed here")
    return errors(fmt, 404, f"no such Open311 route: /open311/{rest[:200]}")
