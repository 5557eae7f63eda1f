"""One SLA view across sources: citizen reports, public-service dossiers, website incidents,
camera outages. Each open item is on time / nearly late / late / late ×3 (Signalen's factor 3:
more than three times the allowed time has passed), per agency, with drill-down to the items.

Reports carry their own deadline (due_at, from the deadline policies); website incidents and
camera outages get the response times below; dossiers arrive as monthly counts (the latest
month per agency), so they have on time and late only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from backend.cameras.models import Camera, CameraIncident
from backend.catalog.models import Agency
from backend.core.db import utcnow
from backend.core.errors import ValidationFailed
from backend.dashboard import cache
from backend.dashboard.summary import Scope, open_clause, reports_query
from backend.monitoring.public_services.models import DossierStats
from backend.monitoring.sites.models import Site, SiteIncident
from backend.reports.models import Report

CLASSES = ("on_time", "nearly_late", "late", "late_x3")
CLASS_LABELS = {"on_time": "Trong hạn", "nearly_late": "Sắp quá hạn", "late": "Quá hạn", "late_x3": "Quá hạn gấp 3"}
SOURCES = {"reports": "Phản ánh hiện trường", "dossiers": "Hồ sơ dịch vụ công", "sites": "Sự cố trang web",
           "cameras": "Camera mất kết nối"}
NEARLY_SHARE = 0.2  # nearly late: less than a fifth of the allowed time left
SITE_RESPONSE = {"down": timedelta(hours=4), "defaced": timedelta(hours=2), "slow": timedelta(hours=24),
                 "cert_expiring": timedelta(days=7)}
CAMERA_RESPONSE = timedelta(hours=24)


def classify(start: datetime, due: datetime | None, now: datetime) -> str:
    if due is None:
        return "on_time"
    allowed = max((due - start).total_seconds(), 1.0)
    elapsed = (now - start).total_seconds()
    if elapsed > 3 * allowed:
        return "late_x3"
    if now > due:
        return "late"
    if (due - now).total_seconds() < NEARLY_SHARE * allowed:
        return "nearly_late"
    return "on_time"


class epoch(FunctionElement[float]):
    """Seconds since 1970 of a UTC timestamp column, on PostgreSQL and SQLite alike."""

    type = Float()
    inherit_cache = True


@compiles(epoch, "postgresql")
def _epoch_pg(element: epoch, compiler: Any, **kw: Any) -> str:
    return f"date_part('epoch', {compiler.process(element.clauses, **kw)})"  # float8: faster than extract's numeric


@compiles(epoch)
def _epoch_sqlite(element: epoch, compiler: Any, **kw: Any) -> str:  # SQLite stores naive UTC text
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


def report_class(now: datetime) -> Any:
    """`classify` as one SQL expression over reports (so the database counts per class: the
    open reports are never loaded one by one)."""
    start, due, at = epoch(Report.created_at), epoch(Report.due_at), literal(now.timestamp())
    allowed = case((due - start > 1.0, due - start), else_=1.0)
    return case((Report.due_at.is_(None), "on_time"), (at - start > 3 * allowed, "late_x3"), (at > due, "late"),
                (due - at < NEARLY_SHARE * allowed, "nearly_late"), else_="on_time")


async def report_counts(*, session: AsyncSession, scope: Scope, now: datetime) -> dict[int | None, dict[str, int]]:
    """Open reports per agency and class, counted by the database (ix_reports_open_cover)."""
    cls = report_class(now).label("cls")
    out: dict[int | None, dict[str, int]] = {}
    for agency_id, name, n in await session.execute(
            reports_query(scope, Report.agency_id, cls, func.count()).where(open_clause())
            .group_by(Report.agency_id, cls)):
        out.setdefault(agency_id, dict.fromkeys(CLASSES, 0))[name] = int(n)
    return out


def _row(agency: tuple[str, str] | None) -> dict[str, Any]:
    return {"agency": agency[1] if agency else None, "agency_code": agency[0] if agency else None,
            **dict.fromkeys(CLASSES, 0)}


async def _agencies(session: AsyncSession) -> dict[int, tuple[str, str]]:
    return {i: (code, name) for i, code, name in await session.execute(select(Agency.id, Agency.code, Agency.name))}


async def report_items(*, session: AsyncSession, scope: Scope, now: datetime) -> list[dict[str, Any]]:
    """Open reports (the partial open index; never all reports) with their class."""
    rows = await session.execute(reports_query(scope, Report.code, Report.agency_id, Report.created_at,
                                               Report.due_at).where(open_clause()))
    return [{"source": "reports", "ref": code, "agency_id": agency_id, "opened_at": created, "due_at": due,
             "class": classify(created, due, now), "url": f"/admin/reports/{code}"}
            for code, agency_id, created, due in rows]


async def _report_cell(*, session: AsyncSession, scope: Scope, cls: str | None, agency_id: int | None,
                       limit: int) -> list[dict[str, Any]]:
    """The open reports of one SLA cell, by deadline, the class filtered by the database."""
    now = utcnow()
    query = reports_query(scope, Report.code, Report.agency_id, Report.created_at, Report.due_at).where(open_clause())
    if cls is not None:
        query = query.where(report_class(now) == cls)
    if agency_id is not None:
        query = query.where(Report.agency_id == agency_id)
    rows = await session.execute(query.order_by(Report.due_at.is_(None), Report.due_at, Report.id).limit(limit))
    return [{"source": "reports", "ref": code, "agency_id": agency, "opened_at": created, "due_at": due,
             "class": classify(created, due, now), "url": f"/admin/reports/{code}"}
            for code, agency, created, due in rows]


async def site_items(*, session: AsyncSession, scope: Scope, now: datetime) -> list[dict[str, Any]]:
    query = (select(SiteIncident.kind, SiteIncident.opened_at, SiteIncident.agency_id, Site.id,
                    Site.name).join(Site, Site.id == SiteIncident.site_id).where(SiteIncident.closed_at.is_(None)))
    if not scope.everything:
        query = query.where(SiteIncident.agency_id == scope.agency_id)
    out = []
    for kind, opened, agency_id, site_id, name in await session.execute(query):
        due = opened + SITE_RESPONSE.get(kind, timedelta(hours=24))
        out.append({"source": "sites", "ref": f"{name} ({kind})", "agency_id": agency_id, "opened_at": opened,
                    "due_at": due, "class": classify(opened, due, now), "url": f"/admin/monitoring/sites/{site_id}"})
    return out


async def camera_items(*, session: AsyncSession, scope: Scope, now: datetime) -> list[dict[str, Any]]:
    if not scope.everything:
        return []  # cameras belong to the IOC, not to an officer's agency
    rows = await session.execute(
        select(CameraIncident.opened_at, Camera.code, Camera.name).join(Camera, Camera.id == CameraIncident.camera_id)
        .where(CameraIncident.closed_at.is_(None), CameraIncident.kind == "offline"))
    return [{"source": "cameras", "ref": f"{name} ({code})", "agency_id": None, "opened_at": opened,
             "due_at": opened + CAMERA_RESPONSE, "class": classify(opened, opened + CAMERA_RESPONSE, now),
             "url": "/admin/cameras"} for opened, code, name in rows]


async def dossier_rows(*, session: AsyncSession, scope: Scope) -> dict[int, dict[str, int]]:
    """The latest month of each agency's dossier counts: in progress on time and late."""
    latest = select(DossierStats.agency_id, func.max(DossierStats.period).label("period")).group_by(
        DossierStats.agency_id).subquery()
    query = select(DossierStats.agency_id, DossierStats.in_progress, DossierStats.in_progress_late).join(
        latest, (latest.c.agency_id == DossierStats.agency_id) & (latest.c.period == DossierStats.period))
    if not scope.everything:
        query = query.where(DossierStats.agency_id == scope.agency_id)
    return {a: {"on_time": max(n - late, 0), "late": late} for a, n, late in await session.execute(query)}


async def items(*, session: AsyncSession, scope: Scope, source: str,
                now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or utcnow()
    readers = {"reports": report_items, "sites": site_items, "cameras": camera_items}
    if source not in readers:
        return []
    return await readers[source](session=session, scope=scope, now=now)


async def sla_view(*, session: AsyncSession, scope: Scope, now: datetime | None = None) -> dict[str, Any]:
    """Per source and agency: counts per class, and the totals (the reports' counts reused for a
    few seconds while no report changes, unless `now` is given: cache.py)."""
    fixed = now is not None
    now = now or utcnow()
    names = await _agencies(session)
    out: dict[str, Any] = {}
    async def compute() -> dict[int | None, dict[str, int]]:
        return await report_counts(session=session, scope=scope, now=now)

    counted = await compute() if fixed else await cache.cached(session, ("sla", scope.agency_id), 10.0, compute)
    reports: dict[int | None, dict[str, Any]] = {}
    for agency_id, counts in counted.items():
        reports[agency_id] = {**_row(names.get(agency_id) if agency_id else None), **counts}
    out["reports"] = _finish(reports)
    for source in ("sites", "cameras"):
        table: dict[int | None, dict[str, Any]] = {}
        for item in await items(session=session, scope=scope, source=source, now=now):
            row = table.setdefault(item["agency_id"], _row(names.get(item["agency_id"]) if item["agency_id"] else None))
            row[item["class"]] += 1
        out[source] = _finish(table)
    dossiers: dict[int | None, dict[str, Any]] = {}
    for agency_id, counts in (await dossier_rows(session=session, scope=scope)).items():
        row = dossiers[agency_id] = _row(names.get(agency_id))
        row["on_time"], row["late"] = counts["on_time"], counts["late"]
    out["dossiers"] = _finish(dossiers)
    return {"classes": list(CLASSES), "sources": out}


def _finish(table: dict[int | None, dict[str, Any]]) -> dict[str, Any]:
    rows = sorted(table.values(), key=lambda r: (-(r["late"] + r["late_x3"]), r["agency"] or ""))
    totals = {c: sum(r[c] for r in rows) for c in CLASSES}
    return {"items": rows, "total": totals}


async def drill(*, session: AsyncSession, scope: Scope, source: str, cls: str | None = None,
                agency: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """The items of one cell, most late first; unknown source, class or agency is a 422."""
    if source not in ("reports", "sites", "cameras"):
        raise ValidationFailed("Nguồn không hợp lệ (reports, sites, cameras)", field="source")
    if cls is not None and cls not in CLASSES:
        raise ValidationFailed("Mức không hợp lệ (on_time, nearly_late, late, late_x3)", field="cls")
    agency_id = None
    if agency:
        agency_id = await session.scalar(select(Agency.id).where(Agency.code == agency))
        if agency_id is None:
            raise ValidationFailed("Không có đơn vị này", field="agency")
    if source == "reports":
        found = await _report_cell(session=session, scope=scope, cls=cls, agency_id=agency_id, limit=limit)
    else:
        found = [i for i in await items(session=session, scope=scope, source=source)
                 if (cls is None or i["class"] == cls) and (agency_id is None or i["agency_id"] == agency_id)]
    found.sort(key=lambda i: (i["due_at"] is None, i["due_at"] or i["opened_at"]))
    names = await _agencies(session)
    return [{**i, "agency": names[i["agency_id"]][1] if i["agency_id"] in names else None,
             "opened_at": i["opened_at"].isoformat() if i["opened_at"] else None,
             "due_at": i["due_at"].isoformat() if i["due_at"] else None} for i in found[:limit]]
