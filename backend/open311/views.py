"""Open311 GeoReport v2 (JSON): services, requests (GET, POST), one request.

Public and unauthenticated like most 311 endpoints: it shows no personal data, and a POST files
a report exactly as the web portal does (channel `open311`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from backend.catalog import service as catalog_service
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.deps import SessionDep
from backend.core.errors import DomainError, NotFound
from backend.reports import queries
from backend.reports import service as report_service
from backend.reports.models import Report
from backend.reports.schemas import ReportCreate

router = APIRouter(prefix="/open311/v2", tags=["open311"])


def _error(status: int, code: int | str, description: str) -> JSONResponse:
    return JSONResponse(status_code=status, content=[{"code": code, "description": description}])


def _request(report: Report) -> dict[str, Any]:
    notes = report.resolution_note if report.status in ("resolved", "rejected", "closed") else None
    return {
        "service_request_id": report.code,
        "status": "open" if report.is_open else "closed",
        "status_notes": notes,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": report.agency.name if report.agency else None,
        "requested_datetime": report.created_at.isoformat(),
        "updated_datetime": report.updated_at.isoformat(),
        "expected_datetime": report.due_at.isoformat() if report.due_at else None,
        "address": report.address or (report.area.name if report.area else None),
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
    session: SessionDep,
    service_request_id: str | None = None,
    service_code: str | None = None,
    status: str | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]] | JSONResponse:
    if status and status not in ("open", "closed"):
        return _error(400, 400, "status must be open or closed")
    rows = await queries.public_list(
        session=session,
        codes=service_request_id.split(",") if service_request_id else (),
        category_codes=service_code.split(",") if service_code else (),
        open_=None if not status else status == "open",
        since=start_date,
        until=end_date,
        limit=page_size,
    )
    return [_request(r) for r in rows]


@router.get("/requests/{request_id}.json", response_model=None)
async def one_request(session: SessionDep, request_id: str) -> list[dict[str, Any]] | JSONResponse:
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
) -> list[dict[str, Any]] | JSONResponse:
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
