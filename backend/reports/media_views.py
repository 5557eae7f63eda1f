"""GET /media/{ref}: one photo, under its report's visibility rules (backend/reports/media_access.py).
The display copy (downscaled) by default, the original with ?full=1."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from backend.core.actor import Actor
from backend.core.deps import SessionDep
from backend.core.errors import AuthenticationFailed, NotFound
from backend.reports.media import display_path, media_path
from backend.reports.media_access import attachment_id_of, may_view
from backend.reports.models import Attachment, Report
from backend.staff import service as staff_service
from backend.staff import sessions

router = APIRouter(include_in_schema=False)
MISSING = "Không tìm thấy ảnh"


async def _actor(request: Request, session: SessionDep) -> Actor | None:
    """The staff member asking (bearer token or staff-site session), or None."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        try:
            return Actor.staff(await staff_service.user_from_token(session=session, token=auth[7:].strip()))
        except AuthenticationFailed:
            return None
    user = await sessions.user_of(session=session, token=request.cookies.get(sessions.COOKIE))
    return Actor.staff(user) if user is not None else None


@router.get("/media/{ref}")
async def media(ref: str, request: Request, session: SessionDep, full: bool = False) -> FileResponse:
    attachment_id = attachment_id_of(ref[:80])
    attachment = await session.get(Attachment, attachment_id) if attachment_id is not None else None
    report = await session.get(Report, attachment.report_id) if attachment is not None else None
    if attachment is None or report is None or not may_view(attachment, report, await _actor(request, session)):
        raise NotFound(MISSING)
    path = media_path(attachment.sha256, attachment.content_type)
    media_type = attachment.content_type
    if not full and display_path(attachment.sha256).exists():
        path, media_type = display_path(attachment.sha256), "image/jpeg"
    if not path.exists():
        raise NotFound(MISSING)
    cache = "public, max-age=86400" if attachment.public else "private, no-store"
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": cache})
