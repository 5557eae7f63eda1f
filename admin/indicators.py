"""Staff pages of the socio-economic indicators and the public-service dossiers: the list with
the latest figures, one indicator's series against its target and last year (ECharts), the import
forms (CSRF like every form) with the rejected rows, the agencies late with their data, the
dossier ranking and the Decision 766 groups. Exports through backend/core/tabular."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from admin.deps import Form, StaffUser, audit, require
from admin.web import HtmlRoute, env, render
from backend.catalog import service as catalog_service
from backend.core import tabular
from backend.core.deps import SessionDep
from backend.core.errors import ValidationFailed
from backend.monitoring.indicators import periods, service, template
from backend.monitoring.indicators.importer import STATUS_LABELS, ImportRejected, format_number, import_file
from backend.monitoring.indicators.service import Point
from backend.monitoring.public_services import index766
from backend.monitoring.public_services import service as dossiers
from backend.staff.models import Role

router = APIRouter(route_class=HtmlRoute)  # /admin/indicators... and /admin/public-services...
READERS = (Role.admin, Role.supervisor, Role.officer)
SERIES_COLUMNS = ["Kỳ", "Giá trị", "Trạng thái", "Cùng kỳ năm trước", "So cùng kỳ (%)", "So cùng kỳ (điểm %)",
                  "Lũy kế", "Lũy kế so cùng kỳ (%)", "Chỉ tiêu năm", "Loại chỉ tiêu", "% kế hoạch"]
LIST_COLUMNS = ["Mã", "Chỉ tiêu", "Đơn vị tính", "Kỳ mới nhất", "Giá trị", "Trạng thái", "% kế hoạch",
                "So cùng kỳ", "Đơn vị chủ trì"]


def vn(value: float | None, digits: int = 1) -> str:
    return format_number(value, digits) if value is not None else "–"


def signed(value: float | None, suffix: str = "%") -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + format_number(value, 1) + suffix


def sparkline(values: list[float | None], width: int = 110, height: int = 28) -> str:
    """An inline SVG polyline (no script): the last values of an indicator."""
    points = [v for v in values if v is not None]
    if len(points) < 2:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = width / (len(points) - 1)
    coords = " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
                      for i, v in enumerate(points))
    last_x, last_y = coords.split(" ")[-1].split(",")
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="Xu hướng"><polyline fill="none" stroke="#0b5cad" stroke-width="1.6" points="{coords}"/>'
            f'<circle cx="{last_x}" cy="{last_y}" r="2.4" fill="#0b5cad"/></svg>')


def change_text(point: Point | None) -> str:
    if point is None:
        return "–"
    return signed(point.yoy_points, " điểm %") if point.yoy_points is not None else signed(point.yoy_pct)


env.filters.update(vn=vn, signed=signed)
env.globals.update(OBS_STATUS=STATUS_LABELS, FREQUENCY=periods.FREQUENCY_LABELS, sparkline=sparkline,
                   change_text=change_text)


def _point_row(p: Point) -> list[Any]:
    return [p.period, p.value, STATUS_LABELS[p.status], p.last_year, p.yoy_pct, p.yoy_points, p.cumulative,
            p.cumulative_yoy_pct, p.target, p.target_kind, p.pct_of_target]


def _export(name: str, sheet: str, header: list[str], rows: list[list[Any]], fmt: str) -> Response:
    return tabular.download("xlsx" if fmt == "xlsx" else "csv", name, sheet, header, rows)


@router.get("/indicators")
async def indicator_list(request: Request, session: SessionDep, user: StaffUser) -> Response:
    require(user, *READERS)
    items = await service.overview(session=session)
    late = await service.late_agencies(session=session)
    return render(request, "indicators/list.html", items=items, late=late,
                  off_target=sum(1 for i in items if i.latest and i.latest.on_track is False))


@router.get("/indicators/export.{fmt}")
async def indicator_list_export(request: Request, session: SessionDep, user: StaffUser, fmt: str) -> Response:
    require(user, *READERS)
    rows = [[o.indicator.code, o.indicator.name, o.indicator.unit, o.latest.period if o.latest else "",
             o.latest.value if o.latest else None, STATUS_LABELS[o.latest.status] if o.latest else "",
             o.latest.pct_of_target if o.latest else None, change_text(o.latest),
             o.indicator.owner.name if o.indicator.owner else ""] for o in await service.overview(session=session)]
    audit(session, request, user, "export", "indicators", rows=len(rows))
    return _export("chi-tieu-kt-xh", "Chỉ tiêu", LIST_COLUMNS, rows, fmt)


@router.get("/indicators/import")
async def import_page(request: Request, session: SessionDep, user: StaffUser) -> Response:
    require(user, *READERS)
    return render(request, "indicators/import.html", result=None, errors=[], message="",
                  batches=await service.recent_batches(session=session))


@router.get("/indicators/template.xlsx")
async def template_download(request: Request, session: SessionDep, user: StaffUser, kind: str = "") -> Response:
    require(user, *READERS)
    data = await template.workbook(session=session, targets=kind == "targets")
    name = "mau-chi-tieu-ke-hoach" if kind == "targets" else "mau-nhap-so-lieu-chi-tieu"
    return Response(data, media_type=tabular.XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


@router.post("/indicators/import")
async def import_upload(request: Request, session: SessionDep, user: StaffUser, form: Form) -> Response:
    require(user, *READERS)
    upload = form.get("file")
    what = str(form.get("what", "indicators"))
    if upload is None or not getattr(upload, "filename", ""):
        raise ValidationFailed("Chưa chọn tệp để nhập")
    data = await upload.read()
    owner = None if user.role in (Role.admin, Role.supervisor) else user.agency_id
    try:
        if what == "dossiers":
            require(user, Role.admin, Role.supervisor)
            result = await dossiers.import_file(session=session, filename=upload.filename, data=data,
                                                username=user.username, user_id=user.id, channel="admin")
        else:
            result = await import_file(session=session, filename=upload.filename, data=data, username=user.username,
                                       user_id=user.id, channel="admin", owner_id=owner)
    except ImportRejected as exc:  # raised before anything is written: nothing to roll back
        return render(request, "indicators/import.html", status_code=422, result=None, errors=exc.errors,
                      message=exc.message, filename=upload.filename,
                      batches=await service.recent_batches(session=session))
    audit(session, request, user, "indicator_import", upload.filename, kind=result.kind, batch=result.batch_id,
          rows=result.rows)
    return render(request, "indicators/import.html", result=result, errors=[], message="", filename=upload.filename,
                  batches=await service.recent_batches(session=session))


@router.get("/indicators/late")
async def late_page(request: Request, session: SessionDep, user: StaffUser) -> Response:
    require(user, *READERS)
    return render(request, "indicators/late.html", late=await service.late_agencies(session=session))


@router.get("/indicators/{code}")
async def indicator_page(request: Request, session: SessionDep, user: StaffUser, code: str,
                         area: str = "") -> Response:
    require(user, *READERS)
    indicator, place, points = await service.series(session=session, code=code, area=area or None)
    # The charts show the latest year against the one before (the table below has both years);
    # yearly and cumulative-period indicators show every year they have.
    shown = points if indicator.frequency in ("year", "6_9_months") or not points else \
        [p for p in points if p.period.startswith(points[-1].period[:4])]
    chart = {
        "unit": indicator.unit, "kind": indicator.kind, "change": indicator.change,
        "labels": [p.label for p in shown], "values": [p.value for p in shown],
        "last_year": [p.last_year for p in shown], "targets": [p.target for p in shown],
        "cumulative": [p.cumulative for p in shown], "status": [STATUS_LABELS[p.status] for p in shown],
        "pro_rata": [round(p.target * periods.parse(p.period).last_month / 12, 2) if p.target is not None
                     and indicator.kind == "flow" else None for p in shown],
    }
    areas = await catalog_service.list_areas(session=session) if "commune" in indicator.levels else []
    return render(request, "indicators/detail.html", indicator=indicator, place=place, points=points,
                  latest=points[-1] if points else None, chart=json.dumps(chart, ensure_ascii=False),
                  areas=areas, area=area, history=await service.history(session=session, indicator=indicator,
                                                                        area_id=place.id, limit=15))


@router.get("/indicators/{code}/series.{fmt}")
async def series_export(request: Request, session: SessionDep, user: StaffUser, code: str, fmt: str,
                        area: str = "") -> Response:
    require(user, *READERS)
    indicator, place, points = await service.series(session=session, code=code, area=area or None)
    audit(session, request, user, "export", f"indicator:{indicator.code}", area=place.code, rows=len(points))
    return _export(f"{indicator.code.lower()}-{place.code}", indicator.code, SERIES_COLUMNS,
                   [_point_row(p) for p in points], fmt)


@router.get("/public-services")
async def public_services_page(request: Request, session: SessionDep, user: StaffUser, period: str = "") -> Response:
    require(user, *READERS)
    ranking = await dossiers.ranking(session=session, period=period or None)
    index = await index766.compute(session=session, period=period or None)
    return render(request, "indicators/public_services.html", ranking=ranking, index=index, period=period)


@router.get("/public-services/export.{fmt}")
async def public_services_export(request: Request, session: SessionDep, user: StaffUser, fmt: str,
                                 period: str = "") -> Response:
    require(user, *READERS)
    header = ["Hạng", "Đơn vị", "Tiếp nhận", "Kỳ trước chuyển sang", "Đúng hạn", "Quá hạn", "Đang giải quyết",
              "Đang giải quyết quá hạn", "Trực tuyến", "Thanh toán trực tuyến", "Số hóa", "% đúng hạn",
              "% trực tuyến", "% thanh toán trực tuyến", "% số hóa"]
    rows = [[n, f.agency_name, *(f.counts.get(k, 0) for k in ("received", "carried_over", "resolved_on_time",
                                                              "resolved_late", "in_progress", "in_progress_late",
                                                              "online_received", "paid_online", "digitized")),
             f.on_time_pct, f.online_pct, f.online_payment_pct, f.digitized_pct]
            for n, f in enumerate(await dossiers.ranking(session=session, period=period or None), start=1)]
    audit(session, request, user, "export", "public-services", period=period, rows=len(rows))
    return _export("dich-vu-cong", "Dịch vụ công", header, rows, fmt)
