"""Public portal under /: look up a report, recent reports on a map, agency scorecards, the
public page of a report, a form to file one, and rating through a signed link. No personal data:
no names, phones or chat ids; only approved photos; phone-like numbers in descriptions masked."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from admin.deps import Form
from admin.web import HtmlRoute, render
from backend.core import ratelimit
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.deps import SessionDep
from backend.core.errors import DomainError, NotFound
from backend.core.masking import public_text
from backend.dashboard import service as dashboard_service
from backend.geo.precision import Precision
from backend.reports import links, present, queries
from backend.reports import service as reports_service
from backend.reports.models import Report
from backend.reports.schemas import ReportCreate
from backend.reports.store import normalize_code

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
CODE_RE = re.compile(r"^PA-[0-9A-Z]{6,}$")


@router.get("/")
async def home(request: Request, session: SessionDep, code: str = "") -> Response:
    if code.strip():
        if len(code) > 40:
            raise NotFound("Mã phản ánh không hợp lệ")
        wanted = normalize_code(code)
        if not wanted.startswith("PA-"):
            wanted = "PA-" + wanted
        return RedirectResponse(f"/reports/{wanted}", status_code=303)
    # Filter in Python: with the filters in SQL the planners pick the duplicate_of_id index and
    # sort the whole table; newest-first on the created_at index reads a few rows.
    newest = (await session.scalars(select(Report).order_by(Report.created_at.desc()).limit(90))).all()
    recent = [r for r in newest if r.latitude is not None and r.duplicate_of_id is None][:60]
    cards = await _scorecards(session)
    points = [{"lat": r.latitude, "lon": r.longitude, "label": f"{r.code} · {r.category.name}",
               "url": f"/reports/{r.code}", "color": _STATUS_COLORS.get(r.status, "#0b5cad")} for r in recent]
    totals = {"received": sum(c.received for c in cards), "resolved": sum(c.resolved for c in cards)}
    return render(request, "portal/home.html", recent=recent[:15], points=points, cards=cards, totals=totals)


_cache: dict[str, Any] = {}
SCORECARD_TTL_S = 60


async def _scorecards(session: Any) -> list[Any]:
    """The rollup changes hourly; a minute's cache per process keeps the home page cheap under load."""
    import time

    today = dashboard_service.local_day(utcnow())
    hit = _cache.get("scorecards")
    if hit is not None and hit[0] == today and hit[1] > time.monotonic():
        return hit[2]
    cards = await dashboard_service.scorecards(session=session, today=today)
    _cache["scorecards"] = (today, time.monotonic() + SCORECARD_TTL_S, cards)
    return cards


_STATUS_COLORS = {"new": "#3538cd", "assigned": "#0b5cad", "in_progress": "#dc6803", "resolved": "#127a4a",
                  "closed": "#667085", "rejected": "#b42318"}


@router.get("/reports/{code}")
async def public_report(request: Request, session: SessionDep, code: str) -> Response:
    if len(code) > 40 or not CODE_RE.match(normalize_code(code)):
        raise NotFound("Không tìm thấy phản ánh")
    # Tracking codes are short: a client trying codes by the thousand is held (429, Retry-After).
    await ratelimit.check("lookup", request.client.host if request.client else "unknown",
                          get_settings().lookup_per_minute)
    report = await queries.get_public(session=session, code=code)
    shown = present.full(report, public_only=True)
    return render(request, "portal/report.html", report=shown, description=public_text(shown.description),
                  timeline=[e for e in shown.timeline if e.public])


@router.get("/report/new")
async def new_report_page(request: Request, session: SessionDep) -> Response:
    return render(request, "portal/new.html", form={}, error="", created=None)


@router.post("/report/new")
async def new_report(request: Request, session: SessionDep, form: Form) -> Response:
    values = {k: str(form.get(k, "")).strip() for k in ("description", "address", "latitude", "longitude", "phone")}
    consent = form.get("consent") == "1"
    try:
        if values["phone"] and not consent:
            raise DomainError("Hãy đánh dấu đồng ý để chúng tôi dùng số điện thoại liên hệ lại với bạn.")
        report_in = ReportCreate(
            description=values["description"] or " ", address=values["address"] or None,
            latitude=float(values["latitude"]) if values["latitude"] else None,
            longitude=float(values["longitude"]) if values["longitude"] else None,
            location_precision=Precision.map if values["latitude"] else None,  # a point picked on the map
            phone=values["phone"] if consent else None, channel="web",
        )
        photo = form.get("photo")
        data = await photo.read() if photo is not None and getattr(photo, "filename", "") else b""
        citizen = Actor.of_citizen(None)
        created = await reports_service.create(session=session, report_in=report_in, actor=citizen, channel="web")
        if data:
            await reports_service.add_photo(session=session, report=created.report, data=data, actor=citizen)
    except (DomainError, ValueError) as exc:
        from admin.hotline import _pydantic_message

        message = exc.message if isinstance(exc, DomainError) else _pydantic_message(exc)
        await session.rollback()
        return render(request, "portal/new.html", status_code=422, form=values, error=message, created=None)
    return render(request, "portal/new.html", form={}, error="", created=created.report)


def _rated_code(token: str) -> str:
    code = links.rated_code(token)
    if code is None:
        raise NotFound("Liên kết đánh giá không hợp lệ hoặc đã hết hạn.")
    return code


@router.get("/rate/{token}")
async def rate_page(request: Request, session: SessionDep, token: str) -> Response:
    report = await queries.get_public(session=session, code=_rated_code(token))
    return render(request, "portal/rate.html", report=report, token=token, done=False, error="")


@router.post("/rate/{token}")
async def rate(request: Request, session: SessionDep, token: str, form: Form) -> Response:
    report = await queries.get_public(session=session, code=_rated_code(token))
    try:
        stars = int(str(form.get("stars", "0")))
        _rating, offer_reopen = await reports_service.rate(
            session=session, report=report, stars=stars, actor=Actor.of_citizen(None),
            comment=str(form.get("comment", "")), source="web")
    except (DomainError, ValueError) as exc:
        message = exc.message.split(" / ")[0] if isinstance(exc, DomainError) else "Hãy chọn từ 1 đến 5 sao."
        return render(request, "portal/rate.html", status_code=422, report=report, token=token, done=False,
                      error=message)
    return render(request, "portal/rate.html", report=report, token=token, done=True, stars=stars,
                  offer_reopen=offer_reopen, error="")


