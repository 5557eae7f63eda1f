"""Hotline desk: one form to file a phone report (NLU pre-fills the category, the geocoder
suggests places, similar open reports nearby are shown), look-ups, the caller's rating."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from admin.deps import Form, StaffUser, actor, audit, require
from admin.web import HtmlRoute, render
from backend.catalog import service as catalog_service
from backend.core.deps import SessionDep
from backend.core.errors import DomainError
from backend.geo.precision import Precision
from backend.geo.precision import label as precision_label
from backend.reports import queries
from backend.reports import service as reports_service
from backend.reports.nearby import nearby_open
from backend.reports.schemas import ReportCreate
from backend.staff.models import Role

router = APIRouter(route_class=HtmlRoute)
DESK_ROLES = (Role.admin, Role.supervisor, Role.hotline)


@router.get("/hotline")
async def desk(request: Request, session: SessionDep, user: StaffUser, lookup: str = "", rated: str = "") -> Response:
    require(user, *DESK_ROLES)
    found = await queries.lookup(session=session, text=lookup)
    return render(request, "hotline.html", lookup=lookup, found=found, rated=rated, created=None, form={}, error="",
                  categories=await catalog_service.list_categories(session=session))


@router.post("/hotline")
async def file_report(request: Request, session: SessionDep, user: StaffUser, form: Form) -> Response:
    require(user, *DESK_ROLES)
    values = {k: str(form.get(k, "")).strip() for k in
              ("phone", "name", "description", "address", "latitude", "longitude", "category", "category_auto",
               "priority")}
    categories = await catalog_service.list_categories(session=session)
    try:
        report_in = ReportCreate(
            description=values["description"] or " ", address=values["address"] or None,
            latitude=float(values["latitude"]) if values["latitude"] else None,
            longitude=float(values["longitude"]) if values["longitude"] else None,
            location_precision=Precision.map if values["latitude"] else None,
            phone=values["phone"] or None, name=values["name"] or None, channel="hotline",
            # a category the operator left as the NLU suggested is re-classified, so the
            # report keeps the model's confidence; a changed one is the operator's choice
            category=None if values["category_auto"] == "1" or not values["category"] else values["category"],
            priority="urgent" if values["priority"] == "urgent" else "normal",
        )
        created = await reports_service.create(session=session, report_in=report_in, actor=actor(user),
                                               channel="hotline")
    except (DomainError, ValueError) as exc:
        message = exc.message if isinstance(exc, DomainError) else _pydantic_message(exc)
        return render(request, "hotline.html", status_code=422, lookup="", found=[], rated="", created=None,
                      form=values, error=message, categories=categories)
    audit(session, request, user, "hotline_create", created.report.code)
    return render(request, "hotline.html", lookup="", found=[], rated="", created=created, form={}, error="",
                  categories=categories)


def _pydantic_message(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        return "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in errors())
    return str(exc)


# --- JSON helpers for the desk's scripts (GET, no state change) ------------------------------


@router.get("/api/classify")
async def classify(user: StaffUser, text: str = "") -> JSONResponse:
    from nlu import service as nlu_service

    if len(text.strip()) < 3:
        return JSONResponse({"category": None})
    result = await nlu_service.classify(text[:4000])
    return JSONResponse({"category": result.category, "confidence": round(result.confidence, 3),
                         "unsure": result.unsure, "ranking": result.ranking[:3]})


def _choice(item: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        data = dataclasses.asdict(item)
    elif isinstance(item, dict):
        data = dict(item)
    else:
        data = {f: getattr(item, f) for f in ("code", "name", "latitude", "longitude") if hasattr(item, f)}
    data["label"] = data.get("label") or data.get("display_name") or data.get("name") or ""
    return data


@router.get("/api/places")
async def places(session: SessionDep, user: StaffUser, q: str = "") -> JSONResponse:
    from backend.geo import service as geo_service

    if len(q.strip()) < 2:
        return JSONResponse({"items": []})
    items = await geo_service.area_choices(session=session, prefix=q.strip(), limit=8)
    return JSONResponse({"items": [_choice(i) for i in items]})


@router.get("/api/nearby")
async def nearby(session: SessionDep, user: StaffUser, address: Annotated[str, Query(max_length=500)] = "",
                 latitude: Annotated[float | None, Query(ge=-90, le=90)] = None,
                 longitude: Annotated[float | None, Query(ge=-180, le=180)] = None,
                 category: Annotated[str, Query(max_length=64)] = "") -> JSONResponse:
    """Open reports near the typed address (or point), so the operator can add the caller as a
    supporter instead of filing a duplicate."""
    from backend.geo import service as geo_service

    precision, area_id = Precision.map, None
    if latitude is None or longitude is None:
        if len(address.strip()) < 4:
            return JSONResponse({"items": []})
        found = await geo_service.geocode(session=session, address=address.strip())
        if found is None:
            return JSONResponse({"items": [], "place": None})
        latitude, longitude, precision = found.latitude, found.longitude, found.precision
        area_id = (await catalog_service.reference(session=session)).area_ids.get(found.area_code or "")
    category_id = None
    if category:
        try:
            category_id = (await catalog_service.get_category(session=session, code=category)).id
        except DomainError:
            category_id = None
    reports = await nearby_open(session=session, actor=actor(user), category_id=category_id, latitude=latitude,
                                longitude=longitude, radius_m=250, precision=precision, address=address.strip() or None,
                                area_id=area_id)
    return JSONResponse({"place": {"latitude": latitude, "longitude": longitude, "precision": precision,
                                   "precision_label": precision_label(precision)}, "items": [
        {"code": r.code, "category": r.category.name, "status": r.status, "address": r.address or "",
         "description": r.description[:120]} for r in reports
    ]})
