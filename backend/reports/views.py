"""JSON API for reports (thin: parse, call the service, render)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from pydantic import BaseModel

from backend.core.deps import SessionDep
from backend.core.errors import PermissionDenied, ValidationFailed
from backend.core.params import Offset
from backend.reports import present, queries, questions
from backend.reports import service as report_service
from backend.reports.schemas import (
    QuestionIn,
    QuestionRead,
    RatingIn,
    ReportCreate,
    ReportPage,
    ReportRead,
    TransitionIn,
)
from backend.staff.deps import StaffActor
from backend.staff.models import Role

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("", response_model=ReportPage)
async def list_reports(
    session: SessionDep,
    actor: StaffActor,
    status: str | None = None,
    category: str | None = None,
    agency: str | None = None,
    area: str | None = None,
    channel: str | None = None,
    q: str | None = None,
    overdue: bool | None = None,
    sort: str = "-created_at",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> ReportPage:
    flt = queries.ReportFilter(status, category, agency, area, channel, q, overdue, sort, limit, offset)
    items, total = await queries.list_reports(session=session, actor=actor, flt=flt)
    capped = total > queries.SEARCH_COUNT_CAP
    return ReportPage(
        items=[present.summary(r) for r in items], total=total, total_capped=capped, limit=limit, offset=offset
    )


@router.post("", response_model=ReportRead, status_code=201)
async def create_report(session: SessionDep, actor: StaffActor, report_in: ReportCreate) -> ReportRead:
    if actor.role == Role.officer:
        raise PermissionDenied("Cán bộ xử lý không tạo phản ánh")
    # The channel is this route's (a hotline operator's call, or an integration), never the body's:
    # a report cannot pass itself off as a Zalo or Open311 one.
    channel = "hotline" if actor.role == Role.hotline else "api"
    created = await report_service.create(session=session, report_in=report_in, actor=actor, channel=channel)
    await session.commit()  # before rendering: the database (SQLite's write lock) is not needed for it
    return present.full(created.report, possible_duplicates=[d.code for d in created.duplicates])


@router.get("/{code}", response_model=ReportRead)
async def get_report(session: SessionDep, actor: StaffActor, code: str) -> ReportRead:
    return present.full(await queries.get(session=session, code=code, actor=actor))


@router.post("/{code}/transitions", response_model=ReportRead)
async def transition(session: SessionDep, actor: StaffActor, code: str, body: TransitionIn) -> ReportRead:
    report = await queries.get(session=session, code=code, actor=actor, lock=True)
    await report_service.transition(
        session=session, report=report, action=body.action, actor=actor, note=body.note, agency_code=body.agency,
        original_code=body.original,
    )
    session.expunge(report)
    return present.full(await queries.get(session=session, code=code))


@router.post("/{code}/resolve-with-photo", response_model=ReportRead)
async def resolve_with_photo(
    session: SessionDep,
    actor: StaffActor,
    code: str,
    note: Annotated[str, Form()],
    photo: Annotated[UploadFile, File()],
) -> ReportRead:
    """Resolve with an after-photo (multipart)."""
    data = await photo.read()
    report = await queries.get(session=session, code=code, actor=actor, lock=True)
    await report_service.transition(
        session=session, report=report, action="resolve", actor=actor, note=note, photo=data
    )
    session.expunge(report)
    return present.full(await queries.get(session=session, code=code))


@router.post("/{code}/photos", response_model=ReportRead, status_code=201)
async def add_photo(
    session: SessionDep,
    actor: StaffActor,
    code: str,
    photo: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()] = "before",
) -> ReportRead:
    if kind not in ("before", "after"):
        raise ValidationFailed("kind must be before or after", field="kind")
    report = await queries.get(session=session, code=code, actor=actor)
    await report_service.add_photo(session=session, report=report, data=await photo.read(), actor=actor, kind=kind)
    session.expunge(report)
    return present.full(await queries.get(session=session, code=code))


class RatingOut(BaseModel):
    stars: int
    comment: str | None
    offer_reopen: bool


@router.post("/{code}/rating", response_model=RatingOut)
async def rate(session: SessionDep, actor: StaffActor, code: str, body: RatingIn) -> RatingOut:
    report = await queries.get(session=session, code=code, actor=actor)
    rating, offer = await report_service.rate(
        session=session, report=report, stars=body.stars, comment=body.comment, actor=actor, source="hotline"
    )
    return RatingOut(stars=rating.stars, comment=rating.comment, offer_reopen=offer)


@router.post("/{code}/questions", response_model=QuestionRead, status_code=201)
async def ask_citizen(session: SessionDep, actor: StaffActor, code: str, body: QuestionIn) -> QuestionRead:
    """Ask the reporter on the channel they used; their answer lands on the timeline as a
    `citizen_answer` event. No chat (hotline, web): a call-back task for the hotline."""
    report = await report_service.get(session=session, code=code, actor=actor)
    question = await questions.ask(session=session, report=report, text=body.text, actor=actor, public=body.public)
    return QuestionRead(id=question.id, report=report.code, text=question.text, public=question.public,
                        status=question.status, via=question.channel if question.status == "waiting" else "callback",
                        asked_at=question.asked_at)
