"""The IOC operations screen (/admin/ioc): tiles, the map, the charts; its data as JSON for the
page's script (admin/static/ioc.js) and every table as CSV/XLSX."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from admin.deps import StaffUser
from admin.web import HtmlRoute, env, local, render
from backend.core import tabular
from backend.core.deps import SessionDep
from backend.core.errors import NotFound
from backend.core.responses import compact_json
from backend.dashboard import charts, live, modules, overview, sla
from backend.dashboard import map as report_map
from backend.dashboard import summary as dashboard

router = APIRouter(route_class=HtmlRoute)


@router.get("/ioc")
async def ioc_page(request: Request, session: SessionDep, user: StaffUser, tv: int = 0) -> Response:
    scope = dashboard.scope_for(user)
    figures = await overview.summary(session=session, scope=scope)
    return render(request, "ioc/screen.html", figures=figures, scope=scope, tv=bool(tv))


@router.get("/ioc/data.json")
async def ioc_data(request: Request, session: SessionDep, user: StaffUser) -> Response:
    """What the page's script draws once: the charts, the cameras, the map's first view and its
    layers (the tiles come with the page and then from the stream; the map's reports from map.json)."""
    scope = dashboard.scope_for(user)
    layers, extent = await report_map.overview(session=session, scope=scope)
    return compact_json(request, {
        "charts": await charts.charts(session=session, scope=scope),
        "cameras": await modules.camera_points(session=session),
        "incidents": await modules.site_incidents(session=session, scope=scope),
        "extent": extent,
        "layers": layers,
    })


@router.get("/ioc/map.json")
async def ioc_map(request: Request, session: SessionDep, user: StaffUser, bbox: str | None = None,
                  zoom: int = 12) -> Response:
    """The open reports in the map's view: points when few, else clusters (backend/dashboard/map.py)."""
    found = await report_map.view(session=session, scope=dashboard.scope_for(user), bbox=report_map.BBox.parse(bbox),
                                  zoom=zoom)
    return compact_json(request, found)


@router.get("/ioc/stream")
async def ioc_stream(request: Request, session: SessionDep, user: StaffUser) -> StreamingResponse:
    scope = dashboard.scope_for(user)
    await session.commit()  # the stream polls with its own short sessions
    return live.response(request, scope)


@router.get("/ioc/sla")
async def sla_page(request: Request, session: SessionDep, user: StaffUser, source: str | None = None,
                   cls: str | None = None, agency: str | None = None) -> Response:
    """The SLA view across sources; ?source=&cls=&agency= opens the items of one cell."""
    scope = dashboard.scope_for(user)
    view = await sla.sla_view(session=session, scope=scope)
    drill = None
    if source:
        drill = await sla.drill(session=session, scope=scope, source=source, cls=cls, agency=agency)
        for item in drill:
            item["opened_at_local"] = local(datetime.fromisoformat(item["opened_at"])) if item["opened_at"] else ""
            item["due_at_local"] = local(datetime.fromisoformat(item["due_at"])) if item["due_at"] else ""
    return render(request, "ioc/sla.html", view=view, drill=drill, drill_source=source, drill_cls=cls,
                  drill_agency=agency, SOURCES=sla.SOURCES, CLASSES=sla.CLASSES, CLASS_LABELS=sla.CLASS_LABELS)


def _pct(value: Any) -> Any:
    return "" if value is None else value


async def _table(name: str, session: Any, scope: dashboard.Scope) -> tuple[list[str], list[list[Any]]]:
    if name == "daily":
        rows = await charts.daily(session=session, scope=scope)
        return ["Ngày", "Tiếp nhận", "Đã xử lý"], [[r["day"], r["received"], r["resolved"]] for r in rows]
    if name == "categories":
        rows = await charts.by_category(session=session, scope=scope)
        return ["Lĩnh vực", "Tiếp nhận (90 ngày)", "Đã xử lý"], [[r["name"], r["received"], r["resolved"]]
                                                                  for r in rows]
    if name == "wards":
        rows = await charts.by_ward(session=session, scope=scope, top=1000)
        return ["Xã/phường", "Tiếp nhận (90 ngày)", "Đã xử lý"], [[r["name"], r["received"], r["resolved"]]
                                                                   for r in rows]
    if name == "agencies":
        rows = await charts.on_time_by_agency(session=session, scope=scope)
        return (["Đơn vị", "Đã xử lý (30 ngày)", "Đúng hạn", "Tỷ lệ đúng hạn (%)", "Hài lòng (sao)"],
                [[r["name"], r["resolved"], r["on_time"], r["on_time_pct"], _pct(r["satisfaction"])] for r in rows])
    if name == "open":
        rows = await dashboard.open_by_agency(session=session, scope=scope)
        return ["Đơn vị", "Đang mở", "Quá hạn"], [[r["agency"]["name"] if r["agency"] else "Chưa giao",
                                                    r["open"], r["overdue"]] for r in rows]
    if name.startswith("sla-") and name[4:] in sla.SOURCES:
        block = (await sla.sla_view(session=session, scope=scope))["sources"][name[4:]]
        return (["Đơn vị", *(sla.CLASS_LABELS[c] for c in sla.CLASSES)],
                [[r["agency"] or "Chưa giao / IOC", *(r[c] for c in sla.CLASSES)] for r in block["items"]])
    raise NotFound("Không có bảng này")


EXPORT_TABLES = {"daily": "Theo ngày", "categories": "Theo lĩnh vực", "wards": "Theo xã phường",
                 "agencies": "Đúng hạn theo đơn vị", "open": "Đang mở theo đơn vị",
                 **{f"sla-{k}": f"Thời hạn - {v}" for k, v in sla.SOURCES.items()}}


@router.get("/ioc/export/{name}.{fmt}")
async def ioc_export(name: str, fmt: str, session: SessionDep, user: StaffUser) -> Response:
    if name not in EXPORT_TABLES or fmt not in ("csv", "xlsx"):
        raise NotFound("Không có bảng này")
    header, rows = await _table(name, session, dashboard.scope_for(user))
    return tabular.download(fmt, f"ioc-{name}", EXPORT_TABLES[name], header, rows)


def vn_number(value: Any, digits: int = 0) -> str:
    """1234567.5 → "1.234.567,5" (Vietnamese grouping and decimal comma); None → "—"."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


env.filters["vn"] = vn_number
