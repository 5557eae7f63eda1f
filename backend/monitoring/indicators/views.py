"""JSON API of the indicators (thin: parse, call the service, render). Staff bearer token;
officers import only the indicators their agency owns."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from backend.core import tabular
from backend.core.actor import Actor
from backend.core.deps import SessionDep
from backend.core.errors import PermissionDenied
from backend.monitoring.indicators import service, template
from backend.monitoring.indicators.importer import ImportRejected, import_file
from backend.monitoring.indicators.models import Indicator
from backend.staff.deps import StaffActor
from backend.staff.models import Role

router = APIRouter(prefix="/api/v1/indicators", tags=["indicators"])


def present(indicator: Indicator) -> dict[str, Any]:
    return {"code": indicator.code, "name": indicator.name, "unit": indicator.unit, "frequency": indicator.frequency,
            "kind": indicator.kind, "direction": indicator.direction, "change": indicator.change,
            "owner": indicator.owner.code if indicator.owner else None, "levels": indicator.levels,
            "formula": indicator.formula, "source": indicator.source, "breakdowns": indicator.breakdowns}


def rejected(exc: ImportRejected) -> JSONResponse:
    return JSONResponse(status_code=422, content={"error": exc.code, "detail": exc.message,
                                                  "errors": [e.as_dict() for e in exc.errors]})


def reader(actor: Actor) -> None:
    """Leaders' figures: supervisors, admins and agency officers (not the hotline desk)."""
    if actor.role not in (Role.admin, Role.supervisor, Role.officer):
        raise PermissionDenied("Chỉ giám sát, quản trị và cán bộ đơn vị được xem số liệu chỉ tiêu")


def importer_scope(actor: Actor) -> int | None:
    """The agency whose indicators this person may import (None: all of them)."""
    if actor.role in (Role.admin, Role.supervisor):
        return None
    if actor.role == Role.officer and actor.user is not None and actor.user.agency_id is not None:
        return actor.user.agency_id
    raise PermissionDenied("Chỉ giám sát, quản trị và cán bộ của đơn vị chủ trì được nhập số liệu chỉ tiêu")


@router.get("")
async def list_indicators(session: SessionDep, actor: StaffActor) -> dict[str, Any]:
    reader(actor)
    items = []
    for row in await service.overview(session=session):
        items.append({**present(row.indicator), "latest": row.latest.as_dict() if row.latest else None,
                      "trend": row.trend})
    return {"items": items, "total": len(items)}


@router.get("/template.xlsx")
async def import_template(session: SessionDep, actor: StaffActor, kind: str = "observations") -> Response:
    reader(actor)
    data = await template.workbook(session=session, targets=kind == "targets")
    name = "mau-chi-tieu-ke-hoach.xlsx" if kind == "targets" else "mau-nhap-so-lieu-chi-tieu.xlsx"
    return Response(data, media_type=tabular.XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/late")
async def late(session: SessionDep, actor: StaffActor) -> dict[str, Any]:
    reader(actor)
    items = [{"agency": item.agency.code, "agency_name": item.agency.name, "period": item.period.code,
              "due": item.due.isoformat(), "days_late": item.days_late,
              "indicators": [i.code for i in item.missing]}
             for item in await service.late_agencies(session=session)]
    return {"items": items, "total": len(items)}


@router.post("/import", response_model=None)
async def import_upload(session: SessionDep, actor: StaffActor,
                        file: Annotated[UploadFile, File()]) -> dict[str, Any] | JSONResponse:
    owner = importer_scope(actor)
    data = await file.read()
    try:
        result = await import_file(session=session, filename=file.filename or "upload", data=data,
                                   username=actor.user.username if actor.user else "", owner_id=owner,
                                   user_id=actor.user.id if actor.user else None, channel="api")
    except ImportRejected as exc:
        return rejected(exc)
    return {"batch": result.batch_id, "kind": result.kind, "rows": result.rows, "created": result.created,
            "updated": result.updated, "unchanged": result.unchanged}


@router.get("/{code}")
async def get_indicator(session: SessionDep, actor: StaffActor, code: str) -> dict[str, Any]:
    reader(actor)
    return present(await service.get_indicator(session=session, code=code))


@router.get("/{code}/series")
async def series(session: SessionDep, actor: StaffActor, code: str, area: str | None = None,
                 start: Annotated[str | None, Query(alias="from")] = None,
                 end: Annotated[str | None, Query(alias="to")] = None,
                 target_kind: str | None = None) -> dict[str, Any]:
    reader(actor)
    indicator, place, points = await service.series(session=session, code=code, area=area, start=start, end=end,
                                                    target_kind=target_kind)
    return {"indicator": present(indicator), "area": {"code": place.code, "name": place.name},
            "items": [p.as_dict() for p in points], "total": len(points)}
