"""Asking the citizen: staff write a question on a report; it goes to the reporter through the
outbox on the channel they used; their next chat message (not a command) is the answer, which
lands on the timeline as `citizen_answer`. A reporter with no chat (hotline, web) gets a call-back
task for the hotline instead. Unanswered questions are reminded once, then handed to the hotline;
the deadline pauses while waiting when the category's policy (data/deadlines.yaml) says so.

Also the other ways staff reach a reporter outside the bot: call-back tasks for notices nothing
could deliver, and messages typed by hand in Zalo's OA chat tool (recorded on the open report)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Setting
from backend.citizens.models import Citizen
from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from backend.notifications import service as notification_service
from backend.reports import queries
from backend.reports import service as reports_service
from backend.reports.models import OPEN_STATUSES, CallbackTask, Question, Report, Status
from backend.reports.timeline import add_event

QUESTION_MAX_CHARS = 1000
ANSWER_MAX_CHARS = 4000
ASKABLE = (*OPEN_STATUSES, Status.resolved)


@dataclass(frozen=True)
class Policy:
    remind_after: timedelta = timedelta(hours=24)
    callback_after: timedelta = timedelta(hours=72)
    pause_categories: frozenset[str] = field(default_factory=frozenset)


async def policy(*, session: AsyncSession) -> Policy:
    """The `questions:` section of data/deadlines.yaml (stored by `phananh seed`)."""
    row = await session.get(Setting, "question_policy")
    value: dict[str, Any] = row.value if row is not None and isinstance(row.value, dict) else {}
    return Policy(
        remind_after=timedelta(hours=float(value.get("remind_after_hours", 24))),
        callback_after=timedelta(hours=float(value.get("callback_after_hours", 72))),
        pause_categories=frozenset(str(c) for c in value.get("pause_deadline") or []),
    )


def _check_staff(actor: Actor) -> None:
    if actor.kind != "staff" or actor.user is None:
        raise PermissionDenied("Chỉ cán bộ mới gửi câu hỏi cho người dân")


async def open_callback(*, session: AsyncSession, report: Report, reason: str, note: str,
                        question: Question | None = None) -> CallbackTask:
    """A task for the hotline to call the reporter; one open task per report and reason."""
    found = await session.scalar(select(CallbackTask).where(
        CallbackTask.report_id == report.id, CallbackTask.reason == reason, CallbackTask.status == "open"))
    if found is not None:
        found.note = note
        found.question_id = question.id if question is not None else found.question_id
        return found
    task = CallbackTask(report_id=report.id, reason=reason, note=note,
                        question_id=question.id if question is not None else None, status="open",
                        created_at=utcnow())
    session.add(task)
    return task


async def ask(*, session: AsyncSession, report: Report, text: str, actor: Actor, public: bool = False) -> Question:
    """Ask the reporter `text`. Sent through the outbox when they have a chat; otherwise the
    question becomes a call-back task for the hotline."""
    _check_staff(actor)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Câu hỏi trống", field="text")
    if len(text) > QUESTION_MAX_CHARS:
        raise ValidationFailed(f"Câu hỏi dài quá {QUESTION_MAX_CHARS} ký tự", field="text")
    if report.status not in ASKABLE:
        raise InvalidTransition("Phản ánh đã đóng, không gửi câu hỏi được nữa")
    citizen = await session.get(Citizen, report.citizen_id) if report.citizen_id else None
    reachable = citizen is not None and citizen.erased_at is None \
        and citizen.channel in notification_service.CHAT_CHANNELS
    rules = await policy(session=session)
    now = utcnow()
    for earlier in await _waiting(session, report_id=report.id):  # a new question replaces the open one
        earlier.status = "cancelled"
    question = Question(
        report_id=report.id, citizen_id=citizen.id if citizen else None,
        channel=citizen.channel if citizen else report.channel, text=text, public=public,
        asked_by_id=actor.user.id if actor.user else None, asked_by_label=actor.label, asked_at=now,
        status="waiting" if reachable else "callback",
        pauses_deadline=reachable and report.is_open and report.due_at is not None
        and report.category.code in rules.pause_categories,
    )
    session.add(question)
    await session.flush()
    add_event(session, report, actor, "question", note=text, public=public,  # public: with its answer
                              data={"question": question.id, "public": public,
                                    "via": question.channel if reachable else "callback"})
    if reachable and citizen is not None:
        await notification_service.enqueue(
            session=session, citizen=citizen, kind="question", report_id=report.id,
            payload={"code": report.code, "status": report.status, "question": text, "question_id": question.id},
            dedupe_key=f"{report.code}:question:{question.id}")
        if question.pauses_deadline:
            add_event(session, report, Actor.system(), "deadline_paused", public=False,
                                      note="Tạm dừng tính hạn trong khi chờ người dân trả lời")
    else:
        await open_callback(session=session, report=report, reason="question", question=question,
                            note=f"Gọi lại hỏi người dân: {text}")
    return question


async def _waiting(session: AsyncSession, *, report_id: int | None = None,
                   citizen_id: int | None = None) -> Sequence[Question]:
    stmt = select(Question).where(Question.status == "waiting")
    if report_id is not None:
        stmt = stmt.where(Question.report_id == report_id)
    if citizen_id is not None:
        stmt = stmt.where(Question.citizen_id == citizen_id)
    return (await session.scalars(stmt.order_by(Question.asked_at.desc(), Question.id.desc()))).all()


async def waiting_for(*, session: AsyncSession, citizen: Citizen) -> Question | None:
    """The question this person's next message answers (the newest one waiting)."""
    found = await _waiting(session, citizen_id=citizen.id)
    return found[0] if found else None


async def answer(*, session: AsyncSession, question: Question, citizen: Citizen, text: str | None = None,
                 photos: Sequence[bytes] = ()) -> Report:
    """Record the reporter's answer (text and/or photos) on the timeline as `citizen_answer`,
    public when the officer marked the question so; resume a paused deadline."""
    if question.status != "waiting" or question.citizen_id != citizen.id:
        raise NotFound("Không có câu hỏi nào đang chờ trả lời")
    text = (text or "").strip()[:ANSWER_MAX_CHARS]
    if not text and not photos:
        raise ValidationFailed("Câu trả lời trống", field="text")
    report = await queries.get(session=session, code=await _code(session, question.report_id))
    actor = Actor.of_citizen(citizen)
    stored = [await reports_service.add_photo(session=session, report=report, data=p, actor=actor) for p in photos]
    now = utcnow()
    question.status, question.answer, question.answered_at = "answered", text or None, now
    note = text or f"(Người dân gửi {len(stored)} ảnh)"
    add_event(session, report, actor, "citizen_answer", note=note, public=question.public,
                              data={"question": question.id, "photos": [a.id for a in stored]})
    if question.pauses_deadline and report.due_at is not None and report.is_open:
        report.due_at = report.due_at + (now - question.asked_at)
        add_event(session, report, Actor.system(), "deadline_resumed", public=False,
                                  note="Tiếp tục tính hạn sau khi người dân trả lời",
                                  data={"due_at": report.due_at.isoformat()})
    for task in (await session.scalars(select(CallbackTask).where(
            CallbackTask.question_id == question.id, CallbackTask.status == "open"))).all():
        task.status, task.done_at = "done", now
    return report


async def _code(session: AsyncSession, report_id: int) -> str:
    code = await session.scalar(select(Report.code).where(Report.id == report_id))
    if code is None:
        raise NotFound("Không tìm thấy phản ánh")
    return code


async def of_report(*, session: AsyncSession, report_id: int) -> Sequence[Question]:
    return (await session.scalars(select(Question).where(Question.report_id == report_id)
                                  .order_by(Question.id))).all()


async def callbacks(*, session: AsyncSession, report_id: int | None = None,
                    status: str = "open", limit: int = 200) -> Sequence[CallbackTask]:
    stmt = select(CallbackTask).where(CallbackTask.status == status)
    if report_id is not None:
        stmt = stmt.where(CallbackTask.report_id == report_id)
    return (await session.scalars(stmt.order_by(CallbackTask.created_at).limit(limit))).all()


async def close_callback(*, session: AsyncSession, task_id: int, actor: Actor, note: str = "") -> CallbackTask:
    """The hotline called back: the task is done, the call is written on the internal timeline."""
    _check_staff(actor)
    task = await session.get(CallbackTask, task_id)
    if task is None or task.status != "open":
        raise NotFound("Không tìm thấy việc gọi lại đang mở")
    report = await queries.get(session=session, code=await _code(session, task.report_id), actor=actor)
    task.status, task.done_at = "done", utcnow()
    task.done_by_id = actor.user.id if actor.user else None
    add_event(session, report, actor, "called_back", public=False,
                              note=(note or "").strip() or "Đã gọi lại cho người dân")
    if task.question_id is not None and note.strip():
        question = await session.get(Question, task.question_id)
        if question is not None and question.status == "callback":
            question.status, question.answer, question.answered_at = "answered", note.strip(), utcnow()
            add_event(session, report, actor, "citizen_answer", note=note.strip(),
                                      public=question.public, data={"question": question.id, "via": "phone"})
    return task


async def remind(*, session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    """Questions unanswered after the policy's time: remind the person once; later, hand the
    question to the hotline (a call-back task) and resume the paused deadline."""
    now = now or utcnow()
    rules = await policy(session=session)
    reminded = handed = 0
    for question in await _waiting(session):
        report = await session.get(Report, question.report_id)
        citizen = await session.get(Citizen, question.citizen_id) if question.citizen_id else None
        if report is None:
            continue
        if question.reminded_at is None and question.asked_at <= now - rules.remind_after and citizen is not None:
            question.reminded_at = now
            await notification_service.enqueue(
                session=session, citizen=citizen, kind="question_reminder", report_id=report.id,
                payload={"code": report.code, "status": report.status, "question": question.text,
                         "question_id": question.id},
                dedupe_key=f"{report.code}:question_reminder:{question.id}")
            reminded += 1
        elif question.asked_at <= now - rules.callback_after:
            question.status = "callback"
            await open_callback(session=session, report=report, reason="question", question=question,
                                note=f"Người dân chưa trả lời câu hỏi: {question.text}")
            if question.pauses_deadline and report.due_at is not None and report.is_open:
                report.due_at = report.due_at + (now - question.asked_at)
            handed += 1
    return {"reminded": reminded, "handed_to_hotline": handed}


async def record_staff_message(*, session: AsyncSession, citizen: Citizen, text: str, admin_id: str,
                               pause: timedelta) -> Report | None:
    """A staff member wrote to the person by hand (Zalo's OA chat tool): noted on their newest
    open report (internal), and the bot paused for them for `pause`."""
    citizen.bot_paused_until = utcnow() + pause if pause > timedelta(0) else None
    report = await session.scalar(
        select(Report).where(Report.citizen_id == citizen.id, Report.status.in_(OPEN_STATUSES))
        .order_by(Report.created_at.desc()).limit(1))
    if report is not None:
        add_event(session, report, Actor.system(f"Cán bộ trên Zalo OA ({admin_id})"),
                                  "staff_chat", note=text or "(tin nhắn không có chữ)", public=False,
                                  data={"admin_id": admin_id})
    return report
