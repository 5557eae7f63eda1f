"""JSON API of website monitoring (thin: parse, call the service, render)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from backend.core import tabular
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.deps import SessionDep
from backend.core.errors import NotFound, PermissionDenied
from backend.monitoring.sites import incidents as inc
from backend.monitoring.sites import service, uptime
from backend.monitoring.sites.schemas import (
    IncidentAction,
    IncidentPage,
    IncidentRead,
    MaintenanceCreate,
    SiteCreate,
    SitePage,
    SiteRead,
    SiteUpdate,
    UptimeRow,
)
from backend.staff.deps import StaffActor
from backend.staff.models import Role

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])
MANAGERS = (Role.admin, Role.supervisor)


def _manager(actor: Actor) -> None:
    if actor.role not in MANAGERS:
        raise PermissionDenied("Chỉ giám sát viên hoặc quản trị được làm việc này")


def _agency_scope(actor: Actor) -> int | None:
    """Officers see their agency's sites only; supervisors and admins see all."""
    if actor.role in MANAGERS:
        return None
    if actor.role == Role.officer and actor.user is not None and actor.user.agency_id is not None:
        return actor.user.agency_id
    raise PermissionDenied("Chỉ giám sát viên, quản trị hoặc cán bộ đơn vị xem được giám sát website")


async def _site(session: Any, actor: Actor, site_id: int) -> Any:
    site = await service.get_site(session=session, site_id=site_id)
    scope = _agency_scope(actor)
    if scope is not None and site.agency_id != scope:
        raise PermissionDenied("Website này không thuộc đơn vị của bạn")
    return site


async def _read(session: Any, site: Any) -> SiteRead:
    return SiteRead(**(await service.present_many(session=session, sites=[site]))[0])


@router.get("/sites", response_model=SitePage)
async def list_sites(session: SessionDep, actor: StaffActor, status: str | None = None, q: str | None = None
                     ) -> SitePage:
    sites = await service.list_sites(session=session, agency_id=_agency_scope(actor), status=status, q=q)
    items = [SiteRead(**row) for row in await service.present_many(session=session, sites=sites)]
    return SitePage(items=items, total=len(items))


@router.post("/sites", response_model=SiteRead, status_code=201)
async def create_site(session: SessionDep, actor: StaffActor, site_in: SiteCreate) -> SiteRead:
    _manager(actor)
    site = await service.create_site(session=session, site_in=site_in)
    await session.commit()
    return await _read(session, site)


@router.get("/sites/{site_id}", response_model=SiteRead)
async def get_site(session: SessionDep, actor: StaffActor, site_id: int) -> SiteRead:
    return await _read(session, await _site(session, actor, site_id))


@router.patch("/sites/{site_id}", response_model=SiteRead)
async def update_site(session: SessionDep, actor: StaffActor, site_id: int, site_in: SiteUpdate) -> SiteRead:
    _manager(actor)
    site = await service.update_site(session=session, site=await _site(session, actor, site_id), site_in=site_in)
    await session.commit()
    return await _read(session, site)


@router.post("/sites/{site_id}/baseline")
async def accept_baseline(session: SessionDep, actor: StaffActor, site_id: int) -> dict[str, Any]:
    _manager(actor)
    site = await _site(session, actor, site_id)
    baseline = await service.accept_baseline(session=session, site=site, actor=actor.label)
    await session.commit()
    return {"site": site.id, "content_hash": baseline.content_hash, "captured_at": baseline.captured_at,
            "accepted_by": baseline.accepted_by, "lines": len(baseline.text.splitlines())}


@router.post("/sites/{site_id}/check", response_model=SiteRead)
async def check_now(session: SessionDep, actor: StaffActor, site_id: int) -> SiteRead:
    _manager(actor)
    await _site(session, actor, site_id)
    await session.commit()  # the round uses its own transactions
    await service.check_now(site_id=site_id)
    return await _read(session, await service.get_site(session=session, site_id=site_id))


@router.get("/sites/{site_id}/checks")
async def site_checks(session: SessionDep, actor: StaffActor, site_id: int,
                      hours: Annotated[int, Query(ge=1, le=24 * 90)] = 24) -> dict[str, Any]:
    await _site(session, actor, site_id)
    rows = await service.recent_checks(session=session, site_id=site_id, since=utcnow() - timedelta(hours=hours))
    return {"items": [{"checked_at": r.checked_at, "ok": r.ok, "maintenance": r.maintenance,
                       "status_code": r.status_code, "response_ms": r.response_ms, "http_version": r.http_version,
                       "ip": r.ip, "final_url": r.final_url, "redirects": r.redirects, "cert_days": r.cert_days,
                       "change_ratio": r.change_ratio, "failed": r.failed, "error": r.error,
                       "checker_lag_ms": r.checker_lag_ms, "new_connection": r.new_connection} for r in rows],
            "total": len(rows)}


@router.get("/incidents", response_model=IncidentPage)
async def list_incidents(session: SessionDep, actor: StaffActor, open: bool | None = None,
                         site: int | None = None, kind: str | None = None,
                         limit: Annotated[int, Query(ge=1, le=500)] = 100,
                         offset: Annotated[int, Query(ge=0)] = 0) -> IncidentPage:
    rows, total = await inc.list_incidents(session=session, open_only=open, site_id=site, kind=kind,
                                           agency_id=_agency_scope(actor), limit=limit, offset=offset)
    return IncidentPage(items=[IncidentRead(**inc.present(r)) for r in rows], total=total)


@router.post("/incidents/{incident_id}/actions", response_model=IncidentRead)
async def incident_action(session: SessionDep, actor: StaffActor, incident_id: int, body: IncidentAction
                          ) -> IncidentRead:
    incident = await inc.get(session=session, incident_id=incident_id)
    await _site(session, actor, incident.site_id)
    if body.action in ("confirm", "resolve"):
        _manager(actor)
    await inc.act(session=session, incident=incident, action=body.action, actor=actor.label, note=body.note)
    await session.commit()
    return IncidentRead(**inc.present(incident))


@router.get("/uptime", response_model=list[UptimeRow])
async def agency_uptime(session: SessionDep, actor: StaffActor) -> list[UptimeRow]:
    _manager(actor)
    rows = await uptime.agency_uptimes(session=session, today=uptime.local_day(utcnow()))
    return [UptimeRow(**row) for row in rows]


@router.get("/reports/monthly.{fmt}")
async def monthly_report(session: SessionDep, actor: StaffActor, fmt: str, month: str,
                         agency: str | None = None) -> Response:
    scope = _agency_scope(actor)
    if scope is not None:
        agency = actor.user.agency.code if actor.user and actor.user.agency else agency
    header, rows = await uptime.monthly_report(session=session, month=month, agency_code=agency)
    name = f"giam-sat-website-{month}{'-' + agency if agency else ''}"
    if fmt in ("csv", "xlsx"):
        return tabular.download(fmt, name, f"Tháng {month}", header, rows)
    raise NotFound("Định dạng báo cáo là csv hoặc xlsx")


@router.get("/maintenance")
async def list_maintenance(session: SessionDep, actor: StaffActor) -> dict[str, Any]:
    rows = await service.list_maintenance(session=session)
    return {"items": [{"id": w.id, "name": w.name, "site_id": w.site_id, "agency_id": w.agency_id,
                       "starts_at": w.starts_at, "ends_at": w.ends_at, "start_time": w.start_time,
                       "end_time": w.end_time, "weekdays": w.weekdays, "on_holidays": w.on_holidays,
                       "active": w.active} for w in rows], "total": len(rows)}


@router.post("/maintenance", status_code=201)
async def add_maintenance(session: SessionDep, actor: StaffActor, window_in: MaintenanceCreate) -> dict[str, Any]:
    _manager(actor)
    window = await service.add_maintenance(session=session, window_in=window_in)
    await session.commit()
    return {"id": window.id, "name": window.name}


class KeywordsIn(BaseModel):
    keywords: list[Annotated[str, Field(max_length=200)]] = Field(max_length=1000)


@router.get("/forbidden-keywords")
async def get_keywords(session: SessionDep, actor: StaffActor) -> dict[str, Any]:
    items = await service.forbidden_keywords(session=session)
    return {"items": items, "total": len(items)}


@router.put("/forbidden-keywords")
async def put_keywords(session: SessionDep, actor: StaffActor, body: KeywordsIn) -> dict[str, Any]:
    _manager(actor)
    items = await service.set_forbidden_keywords(session=session, keywords=body.keywords)
    await session.commit()
    return {"items": items, "total": len(items)}
