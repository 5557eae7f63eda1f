"""Staff pages of the cameras module: the camera list, the verification queue (confirm or
dismiss each candidate), one camera (its events and traffic flow) and the rules with their
false-alarm rates. Supervisors and admins; admins edit cameras and rules."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select

from admin.deps import MANAGERS, Form, StaffUser, actor, audit, require
from admin.web import HtmlRoute, render
from backend.cameras import service, traffic, verify
from backend.cameras.models import CameraEvent, EventStatus
from backend.cameras.schemas import CameraCreate, CameraLayout, RuleCreate
from backend.catalog import service as catalog_service
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.deps import SessionDep
from backend.core.errors import NotFound, ValidationFailed
from backend.reports.media import media_path
from backend.staff.models import Role

router = APIRouter(prefix="/cameras", route_class=HtmlRoute)
QUEUE_PAGE = 20
EVENT_STATUS = {"observed": "Chỉ ghi nhận", "pending": "Chờ xác minh", "confirmed": "Đã tạo phản ánh",
                "dismissed": "Báo nhầm", "expired": "Hết hạn xác minh"}
CAMERA_STATUS = {"online": "Đang hoạt động", "offline": "Mất tín hiệu", "unknown": "Chưa có tín hiệu"}
INCIDENT_KINDS = {"offline": "Mất tín hiệu", "congestion": "Ùn tắc"}
VEHICLES = {"motorbike": "Xe máy", "car": "Ô tô con", "bus": "Xe buýt", "truck": "Xe tải", "bicycle": "Xe đạp"}
CAPACITY_UNITS = {"pcu": "xe quy đổi/giờ (PCU/h)", "veh": "xe/giờ"}
DISMISS_REASONS = ("Phát hiện sai đối tượng", "Dừng đỗ hợp lệ (xe công vụ, cứu thương, giao hàng ngắn)",
                   "Đã có người xử lý tại chỗ", "Ảnh không rõ, không xác minh được")


def _back(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/cameras{path}?msg={quote(message)}", status_code=303)


def _text(form: Any, key: str) -> str:
    return str(form.get(key, "")).strip()


def _invalid(exc: ValidationError) -> ValidationFailed:
    return ValidationFailed("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))


@router.get("")
async def camera_list(request: Request, session: SessionDep, user: StaffUser, msg: str = "") -> Response:
    require(user, *MANAGERS)
    pending = dict((await session.execute(
        select(CameraEvent.camera_id, func.count()).where(CameraEvent.status == EventStatus.pending)
        .group_by(CameraEvent.camera_id))).all())
    return render(request, "cameras/list.html", cameras=await service.list_cameras(session=session),
                  incidents=await service.open_incidents(session=session), pending=pending, message=msg,
                  CAMERA_STATUS=CAMERA_STATUS, INCIDENT_KINDS=INCIDENT_KINDS, now=utcnow())


@router.get("/queue")
async def queue(request: Request, session: SessionDep, user: StaffUser, page: int = 1, camera: str = "",
                msg: str = "") -> Response:
    require(user, *MANAGERS)
    page = max(page, 1)
    items, total = await verify.list_events(session=session, flt=verify.EventFilter(
        EventStatus.pending, camera or None, QUEUE_PAGE, (page - 1) * QUEUE_PAGE))
    nearby: dict[tuple[int, str | None], list[Any]] = {}
    for event in items:  # one look-up per camera and category on the page
        key = (event.camera_id, event.category)
        if key not in nearby:
            nearby[key] = await verify.duplicates(session=session, event=event)
    categories = await catalog_service.list_categories(session=session)
    return render(request, "cameras/queue.html", items=items, total=total, page=page, camera=camera,
                  category_names={c.code: c.name for c in categories},
                  pages=max((total + QUEUE_PAGE - 1) // QUEUE_PAGE, 1), nearby=nearby, message=msg,
                  categories=categories,
                  cameras=await service.list_cameras(session=session), reasons=DISMISS_REASONS,
                  labels=verify.LABELS_VI)


@router.get("/events/{event_id}/snapshot")
async def snapshot(session: SessionDep, user: StaffUser, event_id: int) -> FileResponse:
    require(user, *MANAGERS)
    event = await verify.get_event(session=session, event_id=event_id)
    if not event.snapshot_sha256 or not event.snapshot_type:
        raise NotFound("Sự kiện không có ảnh")
    return FileResponse(media_path(event.snapshot_sha256, event.snapshot_type), media_type=event.snapshot_type,
                        headers={"Cache-Control": "private, max-age=3600"})


@router.post("/events/{event_id}/confirm")
async def confirm(request: Request, session: SessionDep, user: StaffUser, event_id: int, form: Form) -> Response:
    report = await verify.confirm(session=session, event_id=event_id, actor=actor(user),
                                  category=_text(form, "category") or None, note=_text(form, "note") or None,
                                  link_to=_text(form, "link_to") or None)
    audit(session, request, user, "camera_confirm", str(event_id), report=report.code)
    done = f"Đã gộp bằng chứng vào {report.code}" if _text(form, "link_to") else f"Đã tạo phản ánh {report.code}"
    return _back("/queue", done)


@router.post("/events/{event_id}/dismiss")
async def dismiss(request: Request, session: SessionDep, user: StaffUser, event_id: int, form: Form) -> Response:
    reason = _text(form, "reason_text") or _text(form, "reason")
    await verify.dismiss(session=session, event_id=event_id, actor=actor(user), reason=reason)
    audit(session, request, user, "camera_dismiss", str(event_id), reason=reason)
    return _back("/queue", "Đã ghi nhận báo nhầm")


@router.get("/rules")
async def rules(request: Request, session: SessionDep, user: StaffUser, msg: str = "") -> Response:
    require(user, *MANAGERS)
    cameras = await service.list_cameras(session=session)
    return render(request, "cameras/rules.html", rules=await service.list_rules(session=session),
                  stats=await service.decision_stats(session=session, by="rule"),
                  camera_stats=await service.decision_stats(session=session, by="camera"), cameras=cameras,
                  categories=await catalog_service.list_categories(session=session), message=msg)


@router.post("/rules")
async def rule_save(request: Request, session: SessionDep, user: StaffUser, form: Form) -> Response:
    require(user, Role.admin)
    rule_id = int(_text(form, "rule_id")) if _text(form, "rule_id").isdigit() else None
    try:
        rule_in = RuleCreate(
            name=_text(form, "name") or None, camera=_text(form, "camera") or None, zone=_text(form, "zone") or None,
            labels=[x for x in _text(form, "labels").replace(";", ",").split(",") if x.strip()],
            min_score=float(_text(form, "min_score") or 0), min_duration_s=int(_text(form, "min_duration_s") or 0),
            hours=_text(form, "hours") or None, category=_text(form, "category"), active=form.get("active") == "1")
    except ValidationError as exc:
        raise _invalid(exc) from exc
    except ValueError as exc:
        raise ValidationFailed("Điểm tối thiểu và thời gian dừng phải là số") from exc
    rule = await service.save_rule(session=session, rule_in=rule_in, rule_id=rule_id)
    audit(session, request, user, "camera_rule_save", rule.code)
    return _back("/rules", f"Đã lưu quy tắc {rule.name}")


def _chart(rows: list[dict[str, Any]], tz: str) -> dict[str, Any]:
    """ECharts data: one series of PCU/h per direction over the intervals, and their LOS."""
    zone = ZoneInfo(tz)
    times = sorted({r["interval_start"] for r in rows})
    labels = [t.astimezone(zone).strftime("%H:%M") for t in times]
    series: dict[str, list[float | None]] = {}
    los: dict[str, list[str | None]] = {}
    index = {t: i for i, t in enumerate(times)}
    for r in rows:
        series.setdefault(r["direction"], [None] * len(times))[index[r["interval_start"]]] = r["pcu_per_hour"]
        los.setdefault(r["direction"], [None] * len(times))[index[r["interval_start"]]] = r["los"]
    return {"labels": labels, "series": series, "los": los}


@router.get("/{code}")
async def camera_page(request: Request, session: SessionDep, user: StaffUser, code: str, day: str = "",
                      msg: str = "") -> Response:
    require(user, *MANAGERS)
    return await _camera_page(request, session, code, day, message=msg)


async def _camera_page(request: Request, session: Any, code: str, day: str, status_code: int = 200,
                       **extra: Any) -> Response:
    camera = await service.get_camera(session=session, code=code)
    tz = get_settings().timezone
    try:
        chosen = datetime.strptime(day, "%Y-%m-%d").date() if day else utcnow().astimezone(ZoneInfo(tz)).date()
    except ValueError as exc:
        raise ValidationFailed("Ngày không hợp lệ (YYYY-MM-DD)") from exc
    start = datetime(chosen.year, chosen.month, chosen.day, tzinfo=ZoneInfo(tz))
    rows = await traffic.flow(session=session, camera_code=code, start=start, end=start + timedelta(days=1))
    peak = await traffic.peak_hour(session=session, camera_code=code, day=chosen)
    units = camera.approach_units or {}
    extra.setdefault("typed", {"zones": list(camera.zones.items()),
                               "approaches": [(d, c, units.get(d, "pcu")) for d, c in camera.approaches.items()]})
    return render(request, "cameras/camera.html", status_code=status_code, camera=camera, day=chosen.isoformat(),
                  events=await verify.camera_history(session=session, camera_id=camera.id),
                  incidents=await service.open_incidents(session=session, camera_id=camera.id),
                  rows=rows, peak=peak, chart=json.dumps(_chart(rows, tz)), EVENT_STATUS=EVENT_STATUS,
                  CAMERA_STATUS=CAMERA_STATUS, INCIDENT_KINDS=INCIDENT_KINDS, labels=verify.LABELS_VI,
                  parameters=await traffic.parameter_rows(session=session), UNITS=CAPACITY_UNITS, VEHICLES=VEHICLES,
                  **extra)


def _capacity(text: str, direction: str) -> float:
    """A capacity as staff type it: 2400, 2.400 or 2 400 (thousands), 1800,5."""
    raw = text.replace(" ", "").replace("\u00a0", "")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+", raw):
        raw = raw.replace(".", "")
    try:
        return float(raw.replace(",", "."))
    except ValueError as exc:
        raise ValidationFailed(f"Năng lực thông hành hướng {direction} phải là số (xe/giờ)",
                               field="approaches") from exc


def _typed_layout(form: Any) -> dict[str, list[tuple[str, ...]]]:
    zones = list(zip(form.getlist("zone_code"), form.getlist("zone_label"), strict=False))
    approaches = list(zip(form.getlist("approach"), form.getlist("capacity"), form.getlist("unit"), strict=False))
    return {"zones": [(str(c).strip(), str(n).strip()) for c, n in zones if str(c).strip() or str(n).strip()],
            "approaches": [(str(d).strip(), str(c).strip(), str(u)) for d, c, u in approaches
                           if str(d).strip() or str(c).strip()]}


def _layout(typed: dict[str, list[tuple[str, ...]]]) -> CameraLayout:
    zones: dict[str, str] = {}
    for zone, label in typed["zones"]:
        if not zone:
            raise ValidationFailed(f"Vùng «{label}» cần mã (tên vùng trong Frigate)", field="zones")
        if zone in zones:
            raise ValidationFailed(f"Mã vùng {zone} bị trùng", field="zones")
        zones[zone] = label
    approaches: dict[str, float] = {}
    units: dict[str, str] = {}
    for direction, capacity, unit in typed["approaches"]:
        if not direction:
            raise ValidationFailed("Mỗi năng lực thông hành cần mã hướng", field="approaches")
        if direction in approaches:
            raise ValidationFailed(f"Mã hướng {direction} bị trùng", field="approaches")
        approaches[direction] = _capacity(capacity, direction)
        units[direction] = unit if unit in CAPACITY_UNITS else "pcu"
    try:
        return CameraLayout(zones=zones, approaches=approaches, approach_units=units)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ValidationFailed("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())) from exc


@router.post("/{code}/layout")
async def camera_layout(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    require(user, Role.admin)
    typed = _typed_layout(form)
    try:
        await service.update_layout(session=session, code=code, layout=_layout(typed))
    except ValidationFailed as exc:  # refused before anything changed: the form again, with what was typed
        return await _camera_page(request, session, code, "", status_code=422, layout_error=exc.message, typed=typed)
    audit(session, request, user, "camera_layout_save", code)
    return _back(f"/{code}", "Đã lưu vùng và năng lực thông hành; áp dụng từ khoảng đếm tiếp theo")


@router.post("/{code}")
async def camera_save(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    require(user, Role.admin)
    camera = await service.get_camera(session=session, code=code)
    try:
        camera_in = CameraCreate(code=code, name=_text(form, "name"), kind=_text(form, "kind") or camera.kind,
                                 latitude=float(_text(form, "latitude")), longitude=float(_text(form, "longitude")),
                                 address=_text(form, "address") or None, zones=camera.zones,
                                 approaches=camera.approaches,
                                 approach_units=camera.approach_units or {})  # type: ignore[arg-type]
    except ValidationError as exc:
        raise _invalid(exc) from exc
    except ValueError as exc:
        raise ValidationFailed("Vĩ độ, kinh độ phải là số") from exc
    saved = await service.save_camera(session=session, camera_in=camera_in)
    saved.active = form.get("active") == "1"
    audit(session, request, user, "camera_save", code)
    return _back(f"/{code}", "Đã lưu camera")
