"""Admin pages: staff accounts and the reference data (agencies, categories, routing rules,
deadlines, areas), and the audit log. Admins edit; supervisors may read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import or_, select

from admin.deps import MANAGERS, Form, StaffUser, audit, require
from admin.models import AuditLog
from admin.web import HtmlRoute, render
from backend.catalog import service as catalog_service
from backend.core.deps import SessionDep
from backend.core.errors import NotFound, ValidationFailed
from backend.core.params import Id, Page, Text
from backend.staff import service as staff_service
from backend.staff.models import Role, User

router = APIRouter(prefix="/manage", route_class=HtmlRoute)
UNITS = catalog_service.DEADLINE_UNITS


def done(path: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/manage/{path}?saved=1", status_code=303)


async def committed(session: SessionDep, path: str) -> RedirectResponse:
    """Commit before answering: a catalog edit applies to the very next report (the next request may
    come before a commit made after the response)."""
    await session.commit()
    return done(path)


def _text(form: Any, key: str) -> str:
    return str(form.get(key, "")).strip()


def _flag(form: Any, key: str) -> bool:
    return form.get(key) in ("1", "on", "true")


def _int(form: Any, key: str, default: int | None = None) -> int | None:
    value = _text(form, key)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ValidationFailed(f"Cần một số nguyên: {value}") from exc


def _float(form: Any, key: str) -> float | None:
    value = _text(form, key)
    if not value:
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise ValidationFailed("Tọa độ không hợp lệ") from exc


async def _account(session: Any, user_id: int) -> User:
    target = await session.get(User, user_id)
    if target is None:
        raise NotFound("Không tìm thấy tài khoản")
    return target


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
async def user_active(request: Request, session: SessionDep, user: StaffUser, user_id: Id, form: Form) -> Response:
    require(user, Role.admin)
    target = await _account(session, user_id)
    if target.id == user.id:
        raise ValidationFailed("Không thể tự khóa tài khoản của mình")
    await staff_service.set_active(session=session, user=target, active=_flag(form, "active"))  # ends its sessions
    audit(session, request, user, "user_activate" if target.active else "user_deactivate", target.username)
    return done("users")


@router.post("/users/{user_id}/role")
async def user_role(request: Request, session: SessionDep, user: StaffUser, user_id: Id, form: Form) -> Response:
    require(user, Role.admin)
    target = await _account(session, user_id)
    if target.id == user.id:
        raise ValidationFailed("Không thể tự đổi vai trò của mình")
    role, agency = _text(form, "role"), _text(form, "agency") or None
    await staff_service.set_role(session=session, user=target, role=role, agency_code=agency)  # ends its sessions
    audit(session, request, user, "user_role", target.username, role=role, agency=agency)
    return done("users")


@router.post("/users/{user_id}/contacts")
async def user_contacts(request: Request, session: SessionDep, user: StaffUser, user_id: Id, form: Form) -> Response:
    """Where staff alerts (escalations, IOC incidents) reach this person; an empty field clears it."""
    require(user, Role.admin)
    target = await _account(session, user_id)
    await staff_service.set_contacts(session=session, username=target.username, email=_text(form, "email"),
                                     telegram_chat_id=_text(form, "telegram_chat_id"),
                                     zalo_user_id=_text(form, "zalo_user_id"))
    audit(session, request, user, "user_contacts", target.username)
    return done("users")


@router.get("/agencies")
async def agencies(request: Request, session: SessionDep, user: StaffUser, saved: str = "") -> Response:
    require(user, *MANAGERS)
    return render(request, "manage/agencies.html", agencies=await catalog_service.list_agencies(session=session),
                  saved=saved)


@router.post("/agencies/{code}")
async def agency_save(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    require(user, Role.admin)
    await catalog_service.update_agency(session=session, code=code, name=_text(form, "name"),
                                        phone=_text(form, "phone"), email=_text(form, "email"),
                                        active=_flag(form, "active"))
    audit(session, request, user, "agency_edit", code)
    return await committed(session, "agencies")


@router.get("/categories")
async def categories(request: Request, session: SessionDep, user: StaffUser, saved: str = "") -> Response:
    require(user, *MANAGERS)
    return render(request, "manage/categories.html",
                  categories=await catalog_service.list_categories(session=session), saved=saved)


@router.post("/categories/{code}")
async def category_save(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    require(user, Role.admin)
    await catalog_service.update_category(session=session, code=code, name=_text(form, "name"),
                                          description=_text(form, "description"),
                                          sort_order=_int(form, "sort_order"), active=_flag(form, "active"))
    audit(session, request, user, "category_edit", code)
    return await committed(session, "categories")


@router.get("/routing")
async def routing(request: Request, session: SessionDep, user: StaffUser, saved: str = "") -> Response:
    require(user, *MANAGERS)
    return render(request, "manage/routing.html", rules=await catalog_service.list_rules(session=session),
                  saved=saved,
                  categories=await catalog_service.list_categories(session=session),
                  agencies=await catalog_service.list_agencies(session=session),
                  areas=await catalog_service.list_areas(session=session))


@router.post("/routing/{rule_id}")
async def rule_save(request: Request, session: SessionDep, user: StaffUser, rule_id: Id, form: Form) -> Response:
    """rule_id 0 adds a rule."""
    require(user, Role.admin)
    rule = await catalog_service.save_rule(
        session=session, rule_id=rule_id or None, position=_int(form, "position", 1000) or 0,
        category_code=_text(form, "category"), area_code=_text(form, "area"), agency_code=_text(form, "agency"),
        agency_of_area=_flag(form, "agency_of_area"), note=_text(form, "note"), active=_flag(form, "active"),
    )
    audit(session, request, user, "routing_edit", str(rule.id))
    return await committed(session, "routing")


@router.get("/deadlines")
async def deadlines(request: Request, session: SessionDep, user: StaffUser, saved: str = "") -> Response:
    require(user, *MANAGERS)
    return render(request, "manage/deadlines.html", policies=await catalog_service.list_deadlines(session=session),
                  units=UNITS, saved=saved)


@router.post("/deadlines/{policy_id}")
async def deadline_save(request: Request, session: SessionDep, user: StaffUser, policy_id: Id, form: Form) -> Response:
    require(user, Role.admin)
    amount, unit = _int(form, "amount", 0) or 0, _text(form, "unit")
    await catalog_service.update_deadline(session=session, policy_id=policy_id, amount=amount, unit=unit)
    audit(session, request, user, "deadline_edit", str(policy_id), amount=amount, unit=unit)
    return await committed(session, "deadlines")


@router.get("/areas")
async def areas(request: Request, session: SessionDep, user: StaffUser, q: str = "", saved: str = "") -> Response:
    require(user, *MANAGERS)
    found, total = await catalog_service.search_areas(session=session, q=q)
    return render(request, "manage/areas.html", areas=found, q=q, total=total, saved=saved)


@router.post("/areas/{code}")
async def area_save(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    require(user, Role.admin)
    await catalog_service.update_area(
        session=session, code=code, name=_text(form, "name"), aliases=_text(form, "aliases").split(";"),
        latitude=_float(form, "latitude"), longitude=_float(form, "longitude"),
    )
    audit(session, request, user, "area_edit", code)
    return await committed(session, "areas")


@router.get("/audit")
async def audit_log(request: Request, session: SessionDep, user: StaffUser, q: Text = "", page: Page = 1) -> Response:
    require(user, *MANAGERS)
    stmt = select(AuditLog).order_by(AuditLog.id.desc()).limit(100).offset((max(page, 1) - 1) * 100)
    if q.strip():
        stmt = stmt.where(or_(AuditLog.username == q.strip(), AuditLog.target == q.strip().upper(),
                              AuditLog.target == q.strip(), AuditLog.action == q.strip()))
    return render(request, "manage/audit.html", rows=(await session.scalars(stmt)).all(), q=q, page=max(page, 1))
