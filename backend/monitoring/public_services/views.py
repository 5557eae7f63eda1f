"""JSON API of the dossier statistics: the one-stop system pushes a month per agency (or many),
staff read them back with the computed shares, the ranking and the Decision 766 groups."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, UploadFile
from fastapi.responses import JSONResponse

from backend.core.deps import SessionDep
from backend.core.errors import PermissionDenied
from backend.monitoring.indicators.importer import ImportRejected, ImportResult
from backend.monitoring.indicators.views import reader, rejected
from backend.monitoring.public_services import index766, service
from backend.staff.deps import StaffActor
from backend.staff.models import Role

router = APIRouter(prefix="/api/v1/public-services", tags=["public services"])


def _writer(actor: Any) -> None:
    if actor.role not in (Role.admin, Role.supervisor):
        raise PermissionDenied("Chỉ giám sát và quản trị được gửi số liệu hồ sơ")


def _done(result: ImportResult) -> dict[str, Any]:
    return {"batch": result.batch_id, "rows": result.rows, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged}


@router.post("/stats", response_model=None)
async def push(session: SessionDep, actor: StaffActor,
               body: Annotated[dict[str, Any] | list[dict[str, Any]], Body()]) -> dict[str, Any] | JSONResponse:
    """One month of one agency (an object), or many (`{"items": [...]}` or a list); the `row`
    of an error is the item's position, from 1."""
    _writer(actor)
    items = body if isinstance(body, list) else body.get("items", [body]) if isinstance(body, dict) else []
    records = [(n, item if isinstance(item, dict) else {}) for n, item in enumerate(items, start=1)]
    try:
        result = await service.save_stats(session=session, records=records, filename="api",
                                          username=actor.user.username if actor.user else "",
                                          user_id=actor.user.id if actor.user else None, channel="api")
    except ImportRejected as exc:
        return rejected(exc)
    return _done(result)


@router.post("/import", response_model=None)
async def import_upload(session: SessionDep, actor: StaffActor,
                        file: Annotated[UploadFile, File()]) -> dict[str, Any] | JSONResponse:
    _writer(actor)
    data = await file.read()
    try:
        result = await service.import_file(session=session, filename=file.filename or "upload", data=data,
                                           username=actor.user.username if actor.user else "",
                                           user_id=actor.user.id if actor.user else None, channel="api")
    except ImportRejected as exc:
        return rejected(exc)
    return _done(result)


@router.get("/stats")
async def stats(session: SessionDep, actor: StaffActor, agency: str | None = None,
                period: str | None = None) -> dict[str, Any]:
    reader(actor)
    rows = await service.monthly(session=session, agency=agency, period=period)
    items = [{"period": row.period, **service.figures([row], row.agency.code, row.agency.name).as_dict()}
             for row in rows]
    return {"items": items, "total": len(items)}


@router.get("/ranking")
async def ranking(session: SessionDep, actor: StaffActor, period: str | None = None) -> dict[str, Any]:
    reader(actor)
    items = [{"rank": n, **f.as_dict()} for n, f in enumerate(await service.ranking(session=session, period=period),
                                                               start=1)]
    return {"items": items, "total": len(items)}


@router.get("/index766")
async def index(session: SessionDep, actor: StaffActor, period: str | None = None) -> dict[str, Any]:
    reader(actor)
    return (await index766.compute(session=session, period=period)).as_dict()
