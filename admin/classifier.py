"""Admin page "Phân loại tự động" (/admin/manage/nlu): how well the report classifier does in
production (backend/reports/classifier_quality.py), the model in use, the latest staff
corrections, and the window's corrections to download as CSV/XLSX. Admins and supervisors."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from admin.deps import MANAGERS, StaffUser, audit, require
from admin.web import HtmlRoute, render
from backend.catalog import service as catalog_service
from backend.core import tabular
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.deps import SessionDep
from backend.core.errors import NotFound, ValidationFailed
from backend.core.params import Text
from backend.reports.classifier_quality import quality, window
from backend.reports.corrections import Correction, list_corrections
from nlu import candidates
from nlu import service as nlu_service

router = APIRouter(prefix="/manage", route_class=HtmlRoute)
WINDOWS = (30, 90, 365)
RECENT = 50  # corrections listed on the page
TEXT_CHARS = 120
BAD_WINDOW = "Khoảng thời gian không hợp lệ: chọn 30, 90 hoặc 365 ngày (ví dụ ?days=90)."


def _days(value: str) -> int:
    """`?days=` as one of WINDOWS; anything else is a 422 page saying what is allowed."""
    if not value:
        return WINDOWS[0]
    if not value.isdigit() or int(value) not in WINDOWS:
        raise ValidationFailed(BAD_WINDOW, field="days")
    return int(value)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 1].rstrip() + "…"


@router.get("/nlu")
async def classifier_page(request: Request, session: SessionDep, user: StaffUser, days: Text = "") -> Response:
    require(user, *MANAGERS)
    chosen = _days(days)
    zone = ZoneInfo(get_settings().timezone)
    since, until = window(chosen, utcnow(), zone)
    figures = await quality(session=session, since=since, until=until, zone=zone)
    latest = await list_corrections(session=session, since=since, until=until, newest=RECENT)
    recent = [(c, _short(c.text)) for c in reversed(latest)]
    names = {c.code: c.name for c in await catalog_service.list_categories(session=session)}
    return render(
        request, "manage/nlu.html", days=chosen, windows=WINDOWS, q=figures, recent=recent,
        names=names, model=nlu_service.status(), saved="",
    )


@router.get("/nlu/corrections.{fmt}")
async def corrections_download(request: Request, session: SessionDep, user: StaffUser, fmt: str,
                               days: Text = "") -> Response:
    """The window's staff corrections, in the columns of the CSV `phananh nlu corrections` writes
    (nlu/candidates.py: CSV_HEADER); `list_corrections` has scrubbed the text of personal data."""
    require(user, *MANAGERS)
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Chỉ tải được tệp .csv hoặc .xlsx")
    chosen = _days(days)
    zone = ZoneInfo(get_settings().timezone)
    since, until = window(chosen, utcnow(), zone)
    found: list[Correction] = await list_corrections(session=session, since=since, until=until)
    # reads the training data and compares with the evaluation files (~0.4 s): off the event loop
    chosen_ones = await run_in_threadpool(candidates.select_candidates, found)
    rows = candidates.csv_rows(chosen_ones, zone)
    audit(session, request, user, "export", "nlu-corrections", days=chosen, rows=len(rows))
    day = until.astimezone(zone).date().isoformat()
    return tabular.download(fmt, f"sua-phan-loai-{chosen}-ngay-{day}", "Sửa phân loại", candidates.CSV_HEADER, rows)
