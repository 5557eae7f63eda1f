"""Open311 GeoReport v2 (JSON): services, requests (GET, POST), one request.

Reading is public like most 311 endpoints: it shows no personal data (free text masked by
backend/core/masking.py) and look-ups are rate-limited per client. A POST needs an `api_key`
issued by an admin (backend/open311/keys.py), limited per key, and files a report as the web
portal does (channel `open311`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from backend.catalog import service as catalog_service
from backend.core import ratelimit
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.deps import SessionDep
from backend.core.errors import AuthenticationFailed, DomainError, NotFound, TooManyRequests
from backend.core.masking import public_text
from backend.open311 import keys
from backend.reports import queries
from backend.reports import service as report_service
from backend.reports.models import Report
from backend.reports.schemas import ReportCreate

router = APIRouter(prefix="/open311/v2", tags=["open311"])


def _error(status: int, code: int | str, description: str) -> JSONResponse:
    return JSONResponse(status_code=status, content=[{"code": code, "description": description}])


def _throttled(exc: TooManyRequests) -> JSONResponse:
    response = _error(429, 429, exc.message)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


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


def _request(report: Report) -> dict[str, Any]:
    notes = report.resolution_note if report.status in ("resolved", "rejected", "closed") else None
    return {
        "service_request_id": report.code,
        "status": "open" if report.is_open else "closed",
        "status_notes": public_text(notes) or None,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": public_text(report.description),
        "agency_responsible": report.agency.name if report.agency else None,
        "requested_datetime": report.created_at.isoformat(),
        "updated_datetime": report.updated_at.isoformat(),
        "expected_datetime": report.due_at.isoformat() if report.due_at else None,
        "address": public_text(report.address) or (report.area.name if report.area else None),
        "lat": report.latitude,
        "long": report.longitude,
        "media_url": f"{get_settings().base_url.rstrip('/')}/reports/{report.code}",
    }


@router.get("/services.json")
async def services(session: SessionDep) -> list[dict[str, Any]]:
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.description or c.name_en,
            "metadata": False,
            "type": "realtime",
            "keywords": c.name_en,
            "group": "Trật tự đô thị",
        }
        for c in await catalog_service.list_categories(session=session)
        if c.active
    ]


@router.get("/requests.json", response_model=None)
async def list_requests(
    request: Request,
    session: SessionDep,
    service_request_id: str | None = None,
    service_code: str | None = None,
    status: str | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]] | JSONResponse:
    settings = get_settings()
    try:
        start_date, end_date = bounded_date(start_date), bounded_date(end_date)
    except (ValueError, OverflowError) as exc:
        return _error(400, 400, str(exc))
    codes = [c.strip().upper()[:32] for c in service_request_id.split(",") if c.strip()] if service_request_id else []
    if len(codes) > settings.lookup_max_codes:
        return _error(400, 400, f"service_request_id: at most {settings.lookup_max_codes} ids at once")
    if codes:
        try:
            await ratelimit.check("lookup", client_key(request), settings.lookup_per_minute, cost=len(codes))
        except TooManyRequests as exc:
            return _throttled(exc)
    if status and status not in ("open", "closed"):
        return _error(400, 400, "status must be open or closed")
    rows = await queries.public_list(
        session=session,
        codes=codes,
        category_codes=service_code.split(",")[:100] if service_code else (),
        open_=None if not status else status == "open",
        since=start_date,
        until=end_date,
        limit=page_size,
    )
    return [_request(r) for r in rows]


@router.get("/requests/{request_id}.json", response_model=None)
async def one_request(request: Request, session: SessionDep, request_id: str) -> list[dict[str, Any]] | JSONResponse:
    try:
        await ratelimit.check("lookup", client_key(request), get_settings().lookup_per_minute)
    except TooManyRequests as exc:
        return _throttled(exc)
    try:
        report = await queries.get(session=session, code=request_id)
    except NotFound:
        return _error(404, 404, f"service request {request_id} not found")
    return [_request(report)]


@router.post("/requests.json", response_model=None)
async def create_request(
    request: Request,
    session: SessionDep,
    service_code: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
    lat: Annotated[float | None, Form()] = None,
    long: Annotated[float | None, Form()] = None,
    address_string: Annotated[str | None, Form()] = None,
    phone: Annotated[str | None, Form()] = None,
    first_name: Annotated[str | None, Form()] = None,
    last_name: Annotated[str | None, Form()] = None,
    api_key: Annotated[str | None, Form()] = None,
) -> list[dict[str, Any]] | JSONResponse:
    try:
        await keys.authorize(session=session, key=api_key or request.query_params.get("api_key"))
    except TooManyRequests as exc:
        return _throttled(exc)
    except AuthenticationFailed as exc:
        await session.rollback()
        return _error(403, 403, exc.message)
    name = " ".join(p for p in (last_name, first_name) if p) or None
    try:
        report_in = ReportCreate(
            description=description,
            latitude=lat,
            longitude=long,
            address=address_string,
            phone=phone,
            name=name,
            category=service_code,
            channel="open311",
        )
    except ValidationError as exc:
        return _error(400, 400, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    try:
        created = await report_service.create(
            session=session, report_in=report_in, actor=Actor.system("Open311"), channel="open311"
        )
    except DomainError as exc:
        return _error(400 if exc.status_code == 422 else exc.status_code, exc.code, exc.message)
    return [
        {
            "service_request_id": created.report.code,
            "service_notice": created.report.agency.name if created.report.agency else None,
            "account_id": None,
        }
    ]
