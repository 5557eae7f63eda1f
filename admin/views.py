"""Staff site under /admin: login, the queue, one report and its actions, exports.
Views parse, call a service, render; the hotline desk and the admin pages have their own modules."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from admin import auth, texts
from admin.deps import Form, StaffUser, actor, audit, require
from admin.queue import EXPORT_COLUMNS, PAGE_SIZE, QueueQuery, export_rows
from admin.web import HtmlRoute, render
from backend.catalog import service as catalog_service
from backend.core import tabular
from backend.core.db import utcnow
from backend.core.deps import SessionDep
from backend.core.errors import AuthenticationFailed, TooManyRequests, ValidationFailed
from backend.core.params import Id
from backend.notifications.models import Outbox
from backend.reports import policy, queries, timeline
from backend.reports import service as reports_service
from backend.reports.nearby import nearby_open
from backend.staff import service as staff_service
from backend.staff.models import Role

router = APIRouter(prefix="/admin", route_class=HtmlRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/admin") and not target.startswith("//") else "/admin/"


def back(code: str, message: str = "") -> RedirectResponse:
    return RedirectResponse(f"/admin/reports/{code}" + (f"?msg={quote(message)}" if message else ""),
                            status_code=303)


# --- sign in and out --------------------------------------------------------------------------


@router.get("/login")
async def login_page(request: Request, next: str = "/admin/", msg: str = "") -> Response:
    return render(request, "login.html", next=_safe_next(next), message=msg, error="")


@router.post("/login")
async def login(request: Request, session: SessionDep, form: Form) -> Response:
    username = str(form.get("username", "")).strip()[:120]
    target = _safe_next(str(form.get("next", "")))
    try:
        user = await staff_service.authenticate(session=session, username=username,
                                                password=str(form.get("password", ""))[:1024],
                                                ip=auth.client_ip(request))
    except TooManyRequests as exc:
        audit(session, request, None, "login_throttled", username, retry_after=exc.retry_after)
        await session.commit()
        response = render(request, "login.html", status_code=429, next=target, message="", error=exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except AuthenticationFailed as exc:
        audit(session, request, None, "login_failed", username)
        await session.commit()  # keep the failure count (throttling) although the login fails
        return render(request, "login.html", status_code=401, next=target, message="", error=exc.message)
    audit(session, request, user, "login", username)
    response = RedirectResponse(target, status_code=303)
    await auth.start_session(request, response, session, user)
    return response


@router.post("/logout")
async def logout(request: Request, session: SessionDep, user: StaffUser, form: Form) -> Response:
    audit(session, request, user, "logout", user.username)
    response = RedirectResponse("/admin/login", status_code=303)
    await auth.end_session(request, response, session)
    return response


@router.get("/password")
async def password_page(request: Request, user: StaffUser, saved: str = "") -> Response:
    return render(request, "password.html", error="", contact_error="", saved=saved)


@router.post("/account/contacts")
async def own_contacts(request: Request, session: SessionDep, user: StaffUser, form: Form) -> Response:
    """A staff member's own channels for alerts (the same rules as `phananh user contact`)."""
    try:
        await staff_service.set_contacts(
            session=session, username=user.username, email=str(form.get("email", "")),
            telegram_chat_id=str(form.get("telegram_chat_id", "")), zalo_user_id=str(form.get("zalo_user_id", "")))
    except ValidationFailed as exc:  # nothing was changed
        return render(request, "password.html", status_code=400, error="", contact_error=exc.message, saved="",
                      typed=dict(form))
    audit(session, request, user, "user_contacts", user.username)
    return RedirectResponse("/admin/password?saved=1", status_code=303)


@router.post("/password")
async def password_change(request: Request, session: SessionDep, user: StaffUser, form: Form) -> Response:
    new, again = str(form.get("new", "")), str(form.get("again", ""))
    try:
        if new != again:
            raise ValidationFailed("Hai lần nhập mật khẩu mới không khớp")
        await staff_service.change_password(session=session, user=user, old=str(form.get("old", "")), new=new)
    except (AuthenticationFailed, ValidationFailed) as exc:
        return render(request, "password.html", status_code=400, error=exc.message.split(" / ")[0],
                      contact_error="", saved="")
    audit(session, request, user, "password_change", user.username)
    response = RedirectResponse(f"/admin/login?msg={quote(texts.PASSWORD_CHANGED)}", status_code=303)
    await auth.end_session(request, response, session)
    return response


# --- the queue --------------------------------------------------------------------------------


async def _choices(session: Any) -> dict[str, Any]:
    return {
        "categories": await catalog_service.list_categories(session=session),
        "agencies": await catalog_service.list_agencies(session=session),
        "areas": [a for a in await catalog_service.list_areas(session=session) if a.kind != "province"],
    }


@router.get("/")
async def queue(request: Request, session: SessionDep, user: StaffUser) -> Response:
    query = QueueQuery.parse(request.query_params)
    items, total = await queries.list_reports(session=session, actor=actor(user), flt=query.filter())
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(request, "queue.html", items=items, total=total, query=query, pages=pages, now=utcnow(),
                  **await _choices(session))


async def _export_reports(request: Request, session: Any, user: Any) -> list[Any]:
    query = QueueQuery.parse(request.query_params)
    found: list[Any] = []
    query.page = 1
    while len(found) < 20_000:
        flt = query.filter(limit=500)
        items, total = await queries.list_reports(session=session, actor=actor(user), flt=flt)
        found.extend(items)
        if not items or len(found) >= total:
            break
        query.page += 1
    audit(session, request, user, "export", "queue", filters=query.params, rows=len(found))
    return found


@router.get("/export.csv")
async def export_csv(request: Request, session: SessionDep, user: StaffUser) -> Response:
    rows = export_rows(await _export_reports(request, session, user), utcnow())
    return tabular.download("csv", "phan-anh", "Phản ánh", EXPORT_COLUMNS, rows)


@router.get("/export.xlsx")
async def export_xlsx(request: Request, session: SessionDep, user: StaffUser) -> Response:
    rows = export_rows(await _export_reports(request, session, user), utcnow())
    return tabular.download("xlsx", "phan-anh", "Phản ánh", EXPORT_COLUMNS, rows)


# --- one report -------------------------------------------------------------------------------


@router.get("/reports/{code}")
async def report_page(request: Request, session: SessionDep, user: StaffUser, code: str, msg: str = "") -> Response:
    report = await queries.get(session=session, code=code, actor=actor(user))
    outbox = (await session.scalars(select(Outbox).where(Outbox.report_id == report.id).order_by(Outbox.id))).all()
    nearby: list[Any] = []
    if report.latitude is not None and report.longitude is not None and report.is_open:
        nearby = await nearby_open(
            session=session, actor=actor(user), category_id=None, latitude=report.latitude, longitude=report.longitude,
            radius_m=250, exclude_id=report.id, precision=report.location_precision, address=report.address,
            area_id=report.area_id,
        )
    same_category = [n for n in nearby if n.category_id == report.category_id]  # the merge field's suggestion
    return render(request, "report.html", report=report, outbox=outbox, nearby=nearby, message=msg, now=utcnow(),
                  same_category=same_category,
                  actions=policy.allowed_actions(actor(user), report),
                  can_rate=user.role in (Role.admin, Role.supervisor, Role.hotline),
                  can_recategorize=user.role != Role.hotline or report.status == "new",
                  before=[a for a in report.attachments if a.kind == "before"],
                  after=[a for a in report.attachments if a.kind == "after"],
                  **await contact.report_context(session, report), **await _choices(session))


@router.post("/reports/{code}/action")
async def report_action(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    report = await queries.get(session=session, code=code, actor=actor(user), lock=True)
    action = str(form.get("action", ""))
    note = str(form.get("note", "")).strip() or None
    if action == "duplicate":
        original = str(form.get("original", "")).strip()
        await reports_service.transition(session=session, report=report, action="duplicate", actor=actor(user),
                                         note=note, original_code=original)
        audit(session, request, user, "duplicate", report.code, original=original)
        return back(report.code, f"Đã gộp vào {original.upper()}")
    photo = form.get("photo")
    data = await photo.read() if photo is not None and getattr(photo, "filename", "") else None
    agency = str(form.get("agency", "")).strip() or None
    await reports_service.transition(session=session, report=report,
                                     action="assign" if action == "reassign" else action,
                                     actor=actor(user), note=note, agency_code=agency, photo=data or None)
    audit(session, request, user, "transition", report.code, action=action, agency=agency)
    return back(report.code, f"Đã thực hiện: {texts.BUTTON_LABELS.get(action, action)}")


@router.post("/reports/{code}/note")
async def report_note(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    report = await queries.get(session=session, code=code, actor=actor(user))
    note = str(form.get("note", "")).strip()
    if not note:
        raise ValidationFailed("Ghi chú trống")
    public = form.get("public") == "1"
    timeline.add_event(session, report, actor(user), "note", note=note, public=public)
    audit(session, request, user, "note", report.code, public=public)
    return back(report.code, "Đã thêm ghi chú")


@router.post("/reports/{code}/category")
async def report_category(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    report = await queries.get(session=session, code=code, actor=actor(user))
    category = str(form.get("category", ""))
    await reports_service.recategorize(session=session, report=report, category_code=category, actor=actor(user))
    audit(session, request, user, "recategorize", report.code, category=category)
    return back(report.code, "Đã sửa lĩnh vực")


@router.post("/reports/{code}/photos/{attachment_id}")
async def report_photo(request: Request, session: SessionDep, user: StaffUser, code: str, attachment_id: Id,
                       form: Form) -> Response:
    report = await queries.get(session=session, code=code, actor=actor(user))
    public = form.get("public") == "1"
    await reports_service.set_photo_public(session=session, report=report, attachment_id=attachment_id,
                                           public=public, actor=actor(user))
    audit(session, request, user, "photo_public" if public else "photo_hidden", report.code, attachment=attachment_id)
    return back(report.code, "Đã duyệt ảnh công khai" if public else "Đã ẩn ảnh")


@router.post("/reports/{code}/contact")
async def report_contact(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    """Unmask the reporter's phone; every look is written on the internal timeline."""
    report = await queries.get(session=session, code=code, actor=actor(user))
    timeline.add_event(session, report, actor(user), "view_contact", public=False)
    audit(session, request, user, "view_contact", report.code)
    return JSONResponse({"phone": report.reporter_phone, "name": report.reporter_name, "email": report.reporter_email})


@router.post("/reports/{code}/rating")
async def report_rating(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    require(user, Role.admin, Role.supervisor, Role.hotline)
    report = await queries.get(session=session, code=code, actor=actor(user))
    try:
        stars = int(str(form.get("stars", "0")))
    except ValueError:
        stars = 0
    await reports_service.rate(session=session, report=report, stars=stars, actor=actor(user),
                               comment=str(form.get("comment", "")), source="hotline")
    audit(session, request, user, "rating", report.code, stars=stars)
    target = str(form.get("back", ""))
    if target.startswith("/admin/hotline"):
        return RedirectResponse(target + ("&" if "?" in target else "?") + "rated=" + report.code, status_code=303)
    return back(report.code, f"Đã ghi nhận đánh giá {stars} sao")


from admin import apikeys, cameras, classifier, contact, hotline, indicators, ioc, manage, monitoring  # noqa: E402  (sub-routers share this router's prefix and error pages)

router.include_router(hotline.router)
router.include_router(apikeys.router)
router.include_router(manage.router)
router.include_router(contact.router)
router.include_router(cameras.router)
router.include_router(monitoring.router)
router.include_router(indicators.router)
router.include_router(ioc.router)
router.include_router(classifier.router)
