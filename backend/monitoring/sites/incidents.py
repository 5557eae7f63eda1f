"""Incidents: one open per site and kind, a timeline, closed on recovery (a defacement only by
staff). Alerts are the flows' business; these functions say what happened."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import utcnow
from backend.core.errors import Conflict, NotFound, ValidationFailed
from backend.monitoring.sites import flows
from backend.monitoring.sites.models import Site, SiteIncident, SiteIncidentEvent

PAGE = 100


def add_event(incident: SiteIncident, action: str, *, actor: str = "system", note: str = "",
              data: dict[str, Any] | None = None, at: datetime | None = None) -> SiteIncidentEvent:
    event = SiteIncidentEvent(action=action, actor=actor, note=note, data=data, at=at or utcnow())
    incident.events.append(event)
    return event


async def open_incidents(*, session: AsyncSession, site_id: int) -> dict[str, SiteIncident]:
    rows = (await session.scalars(select(SiteIncident).where(
        SiteIncident.site_id == site_id, SiteIncident.open_key.is_not(None)))).all()
    return {row.kind: row for row in rows}


def open_incident(session: AsyncSession, site: Site, kind: str, *, now: datetime, summary: str,
                  evidence: dict[str, Any] | None = None) -> SiteIncident:
    incident = SiteIncident(site=site, site_id=site.id, agency_id=site.agency_id, kind=kind,
                            open_key=f"{site.id}:{kind}", opened_at=now, summary=summary, evidence=evidence or {},
                            events=[])
    add_event(incident, "opened", note=summary, at=now)
    session.add(incident)
    return incident


def close_incident(incident: SiteIncident, *, now: datetime, actor: str = "system", note: str = "") -> None:
    incident.closed_at = now
    incident.open_key = None
    add_event(incident, "resolved", actor=actor, note=note, at=now)


async def get(*, session: AsyncSession, incident_id: int) -> SiteIncident:
    incident = await session.get(SiteIncident, incident_id)
    if incident is None:
        raise NotFound("Không tìm thấy sự cố")
    return incident


async def list_incidents(*, session: AsyncSession, open_only: bool | None = None, site_id: int | None = None,
                         kind: str | None = None, agency_id: int | None = None, limit: int = PAGE, offset: int = 0
                         ) -> tuple[Sequence[SiteIncident], int]:
    query = select(SiteIncident)
    if open_only is True:
        query = query.where(SiteIncident.closed_at.is_(None))
    elif open_only is False:
        query = query.where(SiteIncident.closed_at.is_not(None))
    if site_id is not None:
        query = query.where(SiteIncident.site_id == site_id)
    if kind:
        query = query.where(SiteIncident.kind == kind)
    if agency_id is not None:
        query = query.where(SiteIncident.agency_id == agency_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (await session.scalars(query.order_by(SiteIncident.opened_at.desc(), SiteIncident.id.desc())
                                  .limit(limit).offset(offset))).all()
    return rows, total


async def act(*, session: AsyncSession, incident: SiteIncident, action: str, actor: str, note: str | None = None
              ) -> SiteIncident:
    """Staff on an incident: acknowledge, confirm (a defacement is real), note, resolve."""
    now = utcnow()
    note = (note or "").strip()
    if action == "note":
        if not note:
            raise ValidationFailed("Ghi chú trống", field="note")
        add_event(incident, "note", actor=actor, note=note)
        return incident
    if incident.closed_at is not None:
        raise Conflict("Sự cố đã đóng")
    if action == "acknowledge":
        if incident.acknowledged_at is None:
            incident.acknowledged_at, incident.acknowledged_by = now, actor
            add_event(incident, "acknowledged", actor=actor, note=note)
        return incident
    if action == "confirm":
        if incident.kind != "defaced":
            raise ValidationFailed("Chỉ xác nhận được sự cố thay đổi giao diện")
        incident.confirmed = True
        if incident.acknowledged_at is None:
            incident.acknowledged_at, incident.acknowledged_by = now, actor
        add_event(incident, "confirmed", actor=actor, note=note or "Cán bộ xác nhận website bị tấn công")
        return incident
    if action == "resolve":
        if incident.kind != "defaced":
            raise ValidationFailed("Sự cố này tự đóng khi website hoạt động lại; chỉ sự cố thay đổi giao diện "
                                   "do cán bộ đóng")
        close_incident(incident, now=now, actor=actor, note=note or "Đã khôi phục nội dung website")
        site = incident.site
        site.changed_count = 0
        site.status = "down" if site.failures >= site.failure_threshold else "up"
        site.status_since = now
        await flows.site_incident_closed_flow(session=session, incident=incident)
        return incident
    raise ValidationFailed(f"Thao tác không hợp lệ «{action}»")


def present(incident: SiteIncident) -> dict[str, Any]:
    site = incident.site
    return {
        "id": incident.id,
        "site": {"id": site.id, "name": site.name, "url": site.url},
        "agency": site.agency.code if site.agency else None,
        "kind": incident.kind,
        "opened_at": incident.opened_at,
        "closed_at": incident.closed_at,
        "acknowledged_at": incident.acknowledged_at,
        "confirmed": incident.confirmed,
        "summary": incident.summary,
        "timeline": [{"at": e.at, "action": e.action, "actor": e.actor, "note": e.note, "data": e.data}
                     for e in incident.events],
    }
