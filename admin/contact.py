"""Reaching the reporter from the report page: ask them a question on their channel, and the
hotline's call-back tasks (questions for people without a chat, notices nothing delivered)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from admin.deps import Form, StaffUser, actor, audit, require
from admin.web import HtmlRoute, render
from backend.core.deps import SessionDep
from backend.notifications import receipts
from backend.reports import queries, questions
from backend.reports.models import Report
from backend.staff.models import Role

router = APIRouter(route_class=HtmlRoute)


def back(code: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/reports/{quote(code)}?msg={quote(message)}", status_code=303)


async def report_context(session: Any, report: Report) -> dict[str, Any]:
    """What the report page shows about reaching the reporter."""
    found = await receipts.of_report(session=session, report_id=report.id)
    tasks = await questions.callbacks(session=session, report_id=report.id)
    return {
        "questions": await questions.of_report(session=session, report_id=report.id),
        "receipts": found,
        "receipt_status": {outbox_id: receipts.furthest(items) for outbox_id, items in found.items()},
        "callbacks": tasks,
        "unreachable": any(t.reason == "unreachable" for t in tasks),
    }


@router.post("/reports/{code}/questions")
async def ask(request: Request, session: SessionDep, user: StaffUser, code: str, form: Form) -> Response:
    report = await queries.get(session=session, code=code, actor=actor(user))
    question = await questions.ask(session=session, report=report, text=str(form.get("text", "")),
                                   actor=actor(user), public=form.get("public") == "1")
    audit(session, request, user, "question", report.code, question=question.id)
    if question.status == "callback":
        return back(report.code, "Người dân không dùng chat: đã tạo việc gọi lại cho tổng đài")
    return back(report.code, "Đã gửi câu hỏi cho người dân")


@router.post("/callbacks/{task_id}/done")
async def callback_done(request: Request, session: SessionDep, user: StaffUser, task_id: int,
                        form: Form) -> Response:
    require(user, Role.admin, Role.supervisor, Role.hotline)
    task = await questions.close_callback(session=session, task_id=task_id, actor=actor(user),
                                          note=str(form.get("note", "")))
    report_code = str(form.get("code", ""))
    audit(session, request, user, "called_back", report_code, task=task.id)
    if str(form.get("back", "")) == "/admin/callbacks":
        return RedirectResponse(f"/admin/callbacks?msg={quote('Đã ghi nhận cuộc gọi')}", status_code=303)
    return back(report_code, "Đã ghi nhận cuộc gọi lại")


@router.get("/callbacks")
async def callbacks_page(request: Request, session: SessionDep, user: StaffUser, msg: str = "") -> Response:
    """The hotline's list of people to call back, oldest first."""
    require(user, Role.admin, Role.supervisor, Role.hotline)
    tasks = await questions.callbacks(session=session)
    codes = {}
    if tasks:
        codes = dict((await session.execute(
            select(Report.id, Report.code).where(Report.id.in_({t.report_id for t in tasks})))).all())
    return render(request, "callbacks.html", tasks=tasks, codes=codes, message=msg)
