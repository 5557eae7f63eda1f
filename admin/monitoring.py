"""Staff pages of website monitoring (/admin/monitoring): the sites with their status, one site
(response times, incidents, content diff, screenshots, accept-baseline / confirm), the incidents,
the monthly report. Supervisors and admins act; an agency's officers see and acknowledge theirs."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from admin.deps import MANAGERS, Form, StaffUser, audit, require
from admin.web import HtmlRoute, local, render
from backend.core import tabular
from backend.core.db import utcnow
from backend.core.deps import SessionDep
from backend.core.errors import NotFound, PermissionDenied, ValidationFailed
from backend.monitoring.sites import content as page
from backend.monitoring.sites import incidents as inc
from backend.monitoring.sites import screenshot, service, texts, uptime
from backend.staff.models import Role, User

router = APIRouter(prefix="/monitoring", route_class=HtmlRoute)
KIND_FILTERS = ("down", "defaced", "cert_expiring", "slow")


def _scope(user: User) -> int | None:
    if user.role in MANAGERS:
        return None
    if user.role == Role.officer and user.agency_id is not None:
        return user.agency_id
    raise PermissionDenied("Chỉ giám sát viên, quản trị hoặc cán bộ đơn vị xem được giám sát website")


async def _site(session: Any, user: User, site_id: int) -> Any:
    site = await service.get_site(session=session, site_id=site_id)
    scope = _scope(user)
    if scope is not None and site.agency_id != scope:
        raise PermissionDenied("Website này không thuộc đơn vị của bạn")
    return site


def back(site_id: int, message: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/monitoring/sites/{site_id}?msg={quote(message)}", status_code=303)


def _context() -> dict[str, Any]:
    return {"SITE_STATUS": texts.STATUS, "SITE_KIND": texts.KIND, "SITE_ACTION": texts.ACTION}


@router.get("/sites")
async def sites(request: Request, session: SessionDep, user: StaffUser, status: str = "", q: str = "") -> Response:
    scope = _scope(user)
    rows = await service.present_many(session=session, sites=await service.list_sites(
        session=session, agency_id=scope, status=status or None, q=q or None))
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in texts.STATUS}
    open_rows, open_total = await inc.list_incidents(session=session, open_only=True, agency_id=scope, limit=20)
    agencies = await uptime.agency_uptimes(session=session, today=uptime.local_day(utcnow())) if scope is None else []
    return render(request, "monitoring/sites.html", rows=rows, counts=counts, status=status, q=q,
                  open_incidents=open_rows, open_total=open_total, agencies=agencies,
                  month=uptime.local_day(utcnow()).strftime("%Y-%m"), **_context())


@router.get("/sites/{site_id}")
async def site_page(request: Request, session: SessionDep, user: StaffUser, site_id: int, msg: str = "") -> Response:
    site = await _site(session, user, site_id)
    [row] = await service.present_many(session=session, sites=[site])
    now = utcnow()
    recent = await service.recent_checks(session=session, site_id=site.id, since=now - timedelta(hours=24))
    history, _total = await inc.list_incidents(session=session, site_id=site.id, limit=50)
    stored = await service.contents(session=session, site_id=site.id)
    defaced = next((i for i in history if i.kind == "defaced" and i.closed_at is None), None)
    if defaced is not None:
        before, after = defaced.evidence.get("before", ""), defaced.evidence.get("after", "")
    else:
        before = stored["baseline"].text if "baseline" in stored else ""
        after = stored["latest"].text if "latest" in stored else ""
    chart = [[local(c.checked_at, "%H:%M"), c.response_ms if c.ok else None] for c in reversed(recent)]
    return render(request, "monitoring/site.html", site=site, row=row, recent=recent[:30], history=history,
                  baseline=stored.get("baseline"), latest=stored.get("latest"), defaced=defaced,
                  diff=page.diff(before, after) if before and after and before != after else [],
                  chart=json.dumps(chart), message=msg, can_act=user.role in MANAGERS,
                  screenshots_on=screenshot.available(), **_context())


@router.post("/sites/{site_id}/baseline")
async def accept_baseline(request: Request, session: SessionDep, user: StaffUser, site_id: int, form: Form
                          ) -> Response:
    require(user, *MANAGERS)
    site = await _site(session, user, site_id)
    incident = None
    if str(form.get("incident", "")).isdigit():
        incident = await inc.get(session=session, incident_id=int(str(form.get("incident"))))
        if incident.site_id != site.id:
            raise ValidationFailed("Sự cố không thuộc website này")
    await service.accept_baseline(session=session, site=site, actor=user.username, incident=incident)
    audit(session, request, user, "site_baseline", site.url, incident=incident.id if incident else None)
    await session.commit()
    await service.capture_baseline_screenshot(site_id=site.id)
    return back(site.id, "Đã chấp nhận nội dung hiện tại làm bản chuẩn")


@router.post("/sites/{site_id}/check")
async def check_now(request: Request, session: SessionDep, user: StaffUser, site_id: int, form: Form) -> Response:
    require(user, *MANAGERS)
    site = await _site(session, user, site_id)
    audit(session, request, user, "site_check", site.url)
    await session.commit()
    result = await service.check_now(site_id=site.id)
    return back(site.id, "Đã kiểm tra: đạt" if result["ok"] else "Đã kiểm tra: không đạt")


@router.post("/incidents/{incident_id}/action")
async def incident_action(request: Request, session: SessionDep, user: StaffUser, incident_id: int, form: Form
                          ) -> Response:
    incident = await inc.get(session=session, incident_id=incident_id)
    await _site(session, user, incident.site_id)
    action = str(form.get("action", ""))
    if action in ("confirm", "resolve"):
        require(user, *MANAGERS)
    await inc.act(session=session, incident=incident, action=action, actor=user.username,
                  note=str(form.get("note", "")))
    audit(session, request, user, "site_incident", str(incident.id), action=action)
    labels = {"acknowledge": "Đã tiếp nhận sự cố", "confirm": "Đã xác nhận website bị tấn công",
              "resolve": "Đã đóng sự cố", "note": "Đã thêm ghi chú"}
    target = str(form.get("back", ""))
    if target.startswith("/admin/monitoring/incidents"):
        return RedirectResponse(target, status_code=303)
    return back(incident.site_id, labels.get(action, "Đã cập nhật"))


@router.get("/incidents")
async def incidents(request: Request, session: SessionDep, user: StaffUser, state: str = "open", kind: str = ""
                    ) -> Response:
    open_only = {"open": True, "closed": False}.get(state)
    rows, total = await inc.list_incidents(session=session, open_only=open_only, kind=kind or None,
                                           agency_id=_scope(user), limit=200)
    return render(request, "monitoring/incidents.html", rows=rows, total=total, state=state, kind=kind,
                  kinds=KIND_FILTERS, now=utcnow(), can_act=user.role in MANAGERS, **_context())


@router.get("/screenshots/{name}")
async def screenshot_file(session: SessionDep, user: StaffUser, name: str) -> Response:
    path = screenshot.path_of(name)
    if path is None:
        raise NotFound("Không tìm thấy ảnh chụp")
    await _site(session, user, int(name.split("-")[1]))
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/report.{fmt}")
async def report(request: Request, session: SessionDep, user: StaffUser, fmt: str, month: str, agency: str = ""
                 ) -> Response:
    if _scope(user) is not None:
        agency = user.agency.code if user.agency else agency
    header, rows = await uptime.monthly_report(session=session, month=month, agency_code=agency or None)
    audit(session, request, user, "export", "site_report", month=month, agency=agency or None, rows=len(rows))
    name = f"giam-sat-website-{month}{'-' + agency if agency else ''}"
    if fmt in ("csv", "xlsx"):
        return tabular.download(fmt, name, f"Tháng {month}", header, rows)
    raise NotFound("Báo cáo có dạng CSV hoặc Excel")


@router.get("/keywords")
async def keywords(request: Request, session: SessionDep, user: StaffUser, saved: str = "") -> Response:
    require(user, *MANAGERS)
    return render(request, "monitoring/keywords.html", keywords=await service.forbidden_keywords(session=session),
                  saved=saved)


@router.post("/keywords")
async def keywords_save(request: Request, session: SessionDep, user: StaffUser, form: Form) -> Response:
    require(user, *MANAGERS)
    items = await service.set_forbidden_keywords(session=session,
                                                 keywords=str(form.get("keywords", "")).splitlines())
    audit(session, request, user, "site_keywords", "", count=len(items))
    return RedirectResponse("/admin/monitoring/keywords?saved=1", status_code=303)
