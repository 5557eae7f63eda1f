"""Admin pages: staff accounts and the reference data (agencies, categories, routing rules,
deadlines, areas), and the audit log. Admins edit; supervisors may read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from admin.deps import MANAGERS, Form, StaffUser, audit, require
from admin.models import AuditLog
from admin.web import HtmlRoute, render
from backend.catalog import service as catalog_service
from backend.catalog.models import Agency, Area, Category, DeadlinePolicy, RoutingRule
from backend.core.deps import SessionDep
from backend.core.errors import NotFound, ValidationFailed
from backend.staff import service as staff_service
from backend.staff.models import Role, User

router = APIRouter(prefix="/manage", route_class=HtmlRoute)
UNITS = ("working_days", "working_hours", "days", "hours")


def done(path: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/manage/{path}?saved=1", status_code=303)


def _text(form: Any, key: str) -> str:
    return str(form.get(key, "")).strip()


def _flag(form: Any, key: str) -> bool:
    return form.get(key) in ("1", "on", "true")


@router.get("/users")
async def users(request: Request, session: SessionDep, user: StaffUser, saved: str = "") -> Response:
    require(user, *MANAGERS)
    return render(request, "manage/users.html", users=await staff_service.list_users(session=session),
                  agencies=await catalog_service.list_agencies(session=session), saved=saved, error="")


@router.post("/users")
async def user_create(request: Request, session: SessionDep, user: StaffUser, form: Form) -> Response:
    require(user, Role.admin)
    username = _text(form, "username")
    created = await staff_service.create_user(
        session=session, username=username, password=str(form.get("password", "")), role=_text(form, "role"),
        agency_code=_text(form, "agency") or None, full_name=_text(form, "full_name"),
    )
    audit(session, request, user, "user_create", created.username, role=created.role)
    return done("users")


@router.post("/users/{user_id}/active")
async def user_active(request: Request, session: SessionDep, user: StaffUser, user_id: int, form: Form) -> Response:
    require(user, Role.admin)
    target = await session.get(User, user_id)
    if target is None:
        raise NotFound("Không tìm thấy tài khoản")
    if target.id == user.id:
        raise ValidationFailed("Không thể tự khóa tài khoản của mình")
    await staff_service.set_active(session=session, user=target, active=_flag(form, "active"))  # ends its sessions
    audit(session, request, user, "user_activate" if target.active else "user_deactivate", target.username)
    return done("users")


@router.post("/users/{user_id}/role")
async def user_role(request: Request, session: SessionDep, user: StaffUser, user_id: int, form: Form) -> Response:
    require(user, Role.admin)
    target = await session.get(User, user_id)
    if target is None:
        raise NotFound("Không tìm thấy tài khoản")
    if target.id == user.id:
        raise ValidationFailed("Không thể tự đổi vai trò của mình")
    role, agency = _text(form, "role"), _text(form, "agency") or None
    await staff_service.set_role(session=session, user=target, role=role, agency_code=agency)  # ends its sessions
    audit(session, request, user, "user_role", target.username, role=role, agency=agency)
    return done("users")


@router.get("/agencies")
async def agencies(request: Request, session: SessionDep, user: StaffUser, saved: str = "") -> Response:
    require(user, *MANAGERS)
    return render(request, "manage/agencies.html", agencies=await catalog_service.list_agencies(session=session),
                  saved=saved)


@router.post("/agencies/{code}")
async def agency_save(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    require(user, Role.admin)
    agency = await catalog_service.get_agency(session=session, code=code)
    agency.name = _text(form, "name") or agency.name
    agency.phone = _text(form, "phone") or None
    agency.email = _text(form, "email") or None
    agency.active = _flag(form, "active")
    audit(session, request, user, "agency_edit", code)
    return done("agencies")


@router.get("/categories")
async def categories(request: Request, session: SessionDep, user: StaffUser, saved: str = "") -> Response:
    require(user, *MANAGERS)
    return render(request, "manage/categories.html",
                  categories=await catalog_service.list_categories(session=session), saved=saved)


@router.post("/categories/{code}")
async def category_save(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    require(user, Role.admin)
    category = await catalog_service.get_category(session=session, code=code)
    category.name = _text(form, "name") or category.name
    category.description = _text(form, "description")
    category.sort_order = int(_text(form, "sort_order") or category.sort_order)
    category.active = _flag(form, "active")
    audit(session, request, user, "category_edit", code)
    return done("categories")


@router.get("/routing")
async def routing(request: Request, session: SessionDep, user: StaffUser, saved: str = "") -> Response:
    require(user, *MANAGERS)
    rules = (await session.scalars(
        select(RoutingRule).options(selectinload(RoutingRule.category), selectinload(RoutingRule.area),
                                    selectinload(RoutingRule.agency))
        .order_by(RoutingRule.position, RoutingRule.id))).all()
    return render(request, "manage/routing.html", rules=rules, saved=saved,
                  categories=await catalog_service.list_categories(session=session),
                  agencies=await catalog_service.list_agencies(session=session),
                  areas=await catalog_service.list_areas(session=session))


async def _id_of(session: Any, model: Any, code: str) -> int | None:
    if not code:
        return None
    found = await session.scalar(select(model.id).where(model.code == code))
    if found is None:
        raise ValidationFailed(f"Mã không tồn tại: {code}")
    return found


@router.post("/routing/{rule_id}")
async def rule_save(request: Request, session: SessionDep, user: StaffUser, rule_id: int, form: Form) -> Response:
    """rule_id 0 adds a rule."""
    require(user, Role.admin)
    rule = RoutingRule() if rule_id == 0 else await session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound("Không tìm thấy quy tắc")
    rule.position = int(_text(form, "position") or 1000)
    rule.category_id = await _id_of(session, Category, _text(form, "category"))
    rule.area_id = await _id_of(session, Area, _text(form, "area"))
    rule.agency_of_area = _flag(form, "agency_of_area")
    rule.agency_id = None if rule.agency_of_area else await _id_of(session, Agency, _text(form, "agency"))
    if not rule.agency_of_area and rule.agency_id is None:
        raise ValidationFailed("Quy tắc cần đơn vị xử lý hoặc 'UBND nơi xảy ra'")
    rule.note = _text(form, "note")
    rule.active = _flag(form, "active")
    if rule_id == 0:
        session.add(rule)
    await session.flush()
    audit(session, request, user, "routing_edit", str(rule.id))
    return done("routing")


@router.get("/deadlines")
async def deadlines(request: Request, session: SessionDep, user: StaffUser, saved: str = "") -> Response:
    require(user, *MANAGERS)
    policies = (await session.scalars(
        select(DeadlinePolicy).options(selectinload(DeadlinePolicy.category))
        .order_by(DeadlinePolicy.category_id.is_not(None), DeadlinePolicy.category_id, DeadlinePolicy.priority))).all()
    return render(request, "manage/deadlines.html", policies=policies, units=UNITS, saved=saved)


@router.post("/deadlines/{policy_id}")
async def deadline_save(request: Request, session: SessionDep, user: StaffUser, policy_id: int, form: Form) -> Response:
    require(user, Role.admin)
    policy = await session.get(DeadlinePolicy, policy_id)
    if policy is None:
        raise NotFound("Không tìm thấy thời hạn")
    amount = int(_text(form, "amount") or "0")
    unit = _text(form, "unit")
    if amount < 1 or unit not in UNITS:
        raise ValidationFailed("Thời hạn cần số dương và đơn vị hợp lệ")
    policy.amount, policy.unit = amount, unit
    audit(session, request, user, "deadline_edit", str(policy_id), amount=amount, unit=unit)
    return done("deadlines")


@router.get("/areas")
async def areas(request: Request, session: SessionDep, user: StaffUser, q: str = "", saved: str = "") -> Response:
    require(user, *MANAGERS)
    stmt = select(Area).order_by(Area.kind, Area.name).limit(200)
    if q.strip():
        stmt = stmt.where(or_(Area.name.ilike(f"%{q.strip()}%"), Area.code == q.strip()))
    total = await session.scalar(select(func.count(Area.id)))
    return render(request, "manage/areas.html", areas=(await session.scalars(stmt)).all(), q=q, total=total,
                  saved=saved)


@router.post("/areas/{code}")
async def area_save(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    require(user, Role.admin)
    area = await session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise NotFound("Không tìm thấy xã/phường")
    area.name = _text(form, "name") or area.name
    area.aliases = [a.strip() for a in _text(form, "aliases").split(";") if a.strip()]
    try:
        area.latitude = float(_text(form, "latitude")) if _text(form, "latitude") else area.latitude
        area.longitude = float(_text(form, "longitude")) if _text(form, "longitude") else area.longitude
    except ValueError as exc:
        raise ValidationFailed("Tọa độ không hợp lệ") from exc
    audit(session, request, user, "area_edit", code)
    await session.commit()
    from backend.geo import service as geo_service

    geo_service.invalidate_cache()  # the geocoder reads areas once; make it see the edit
    return done("areas")


@router.get("/audit")
async def audit_log(request: Request, session: SessionDep, user: StaffUser, q: str = "", page: int = 1) -> Response:
    require(user, *MANAGERS)
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(100).offset((max(page, 1) - 1) * 100)
    if q.strip():
        stmt = stmt.where(or_(AuditLog.username == q.strip(), AuditLog.target == q.strip().upper(),
                              AuditLog.target == q.strip(), AuditLog.action == q.strip()))
    return render(request, "manage/audit.html", rows=(await session.scalars(stmt)).all(), q=q, page=max(page, 1))
