"""Admin page: the Open311 API keys (issue one, shown once; list; revoke)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from admin.deps import MANAGERS, Form, StaffUser, audit, require
from admin.web import HtmlRoute, render
from backend.core.deps import SessionDep
from backend.open311 import keys
from backend.staff.models import Role

router = APIRouter(prefix="/manage/apikeys", route_class=HtmlRoute)


@router.get("")
async def api_keys(request: Request, session: SessionDep, user: StaffUser, saved: str = "") -> Response:
    require(user, *MANAGERS)
    return render(request, "manage/apikeys.html", keys=await keys.list_keys(session=session), new_key="",
                  saved=saved[:8])


@router.post("")
async def api_key_create(request: Request, session: SessionDep, user: StaffUser, form: Form) -> Response:
    require(user, Role.admin)
    row, key = await keys.issue(session=session, name=str(form.get("name", ""))[:100], created_by=user.username)
    audit(session, request, user, "apikey_create", row.name)
    return render(request, "manage/apikeys.html", keys=await keys.list_keys(session=session), new_key=key,
                  new_name=row.name, saved="")


@router.post("/{name}/revoke")
async def api_key_revoke(request: Request, session: SessionDep, user: StaffUser, name: str, form: Form) -> Response:
    require(user, Role.admin)
    row = await keys.revoke(session=session, name=name[:64])
    audit(session, request, user, "apikey_revoke", row.name)
    return RedirectResponse("/admin/manage/apikeys?saved=1", status_code=303)
