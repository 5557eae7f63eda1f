"""Transcripts: a staff question answered by the citizen's next message (text or photo, never a
command), and "xóa dữ liệu của tôi"."""

from __future__ import annotations

from datetime import timedelta

from chatkit import jpeg
from sqlalchemy import select, update

from backend.citizens import service as citizens_service
from backend.citizens.models import Citizen, Erasure
from backend.core.actor import Actor
from backend.notifications.models import Outbox
from backend.reports import queries, questions
from backend.reports.models import Attachment, Question, Report, ReportEvent


async def ask(session, code, officer, text="Số nhà cụ thể là bao nhiêu?", public=False):
    report = await queries.get(session=session, code=code)
    question = await questions.ask(session=session, report=report, text=text, actor=Actor.staff(officer),
                                   public=public)
    await session.commit()
    return question


async def timeline(session, code, action):
    report_id = await session.scalar(select(Report.id).where(Report.code == code))
    rows = (await session.scalars(select(ReportEvent).where(ReportEvent.report_id == report_id,
                                                           ReportEvent.action == action))).all()
    await session.commit()
    return rows


async def test_the_next_message_answers_the_officers_question(chat, session, make_user):
    officer = await make_user("supervisor")
    code = await chat.file_report()
    await ask(session, code, officer)
    row = await session.scalar(select(Outbox).where(Outbox.kind == "question"))
    assert row.channel == "cli" and row.payload["question"] == "Số nhà cụ thể là bao nhiêu?"
    reply = await chat.says("Trước số nhà 45 Phan Chu Trinh")
    assert "Cảm ơn" in reply and code in reply
    answer = (await timeline(session, code, "citizen_answer"))[0]
    assert answer.note == "Trước số nhà 45 Phan Chu Trinh" and not answer.public
    question = await session.scalar(select(Question))
    assert question.status == "answered" and question.answered_at is not None


async def test_an_answer_marked_public_is_on_the_public_timeline(chat, session, make_user):
    officer = await make_user("supervisor")
    code = await chat.file_report()
    await ask(session, code, officer, public=True)
    await chat.send("Đống rác ở đầu hẻm 12")
    assert (await timeline(session, code, "citizen_answer"))[0].public


async def test_a_photo_answers_and_is_kept_on_the_report(chat, session, make_user):
    officer = await make_user("supervisor")
    code = await chat.file_report()
    await ask(session, code, officer, text="Anh/chị chụp giúp ảnh toàn cảnh được không?")
    reply = await chat.says(photos=[jpeg((10, 10, 200))])
    assert "Cảm ơn" in reply
    event = (await timeline(session, code, "citizen_answer"))[0]
    assert event.data["photos"]
    assert await session.scalar(select(Attachment.id).where(Attachment.id == event.data["photos"][0]))


async def test_a_command_is_not_taken_as_the_answer(chat, session, make_user):
    officer = await make_user("supervisor")
    code = await chat.file_report()
    await ask(session, code, officer)
    reply = await chat.says(code)  # a status look-up
    assert f"Phản ánh {code}:" in reply and "Đơn vị xử lý" in reply
    assert await timeline(session, code, "citizen_answer") == []
    assert (await session.scalar(select(Question))).status == "waiting"


async def test_without_a_question_the_conversation_goes_on_as_usual(chat):
    reply = await chat.says("Trước số nhà 45 Phan Chu Trinh có rác")
    assert "Cảm ơn! Câu trả lời" not in reply


async def test_a_paused_deadline_moves_by_the_time_waited(chat, session, make_user, report_factory):
    officer = await make_user("supervisor")
    citizen = await citizens_service.get_or_create(session=session, channel="cli", external_id="u1")
    report = await report_factory(citizen=citizen, channel="cli", category="unpermitted_construction",
                                  description="Nhà dân xây thêm tầng không có giấy phép ở hẻm 12")
    due = report.due_at
    question = await ask(session, report.code, officer, text="Công trình ở số nhà nào?")
    assert question.pauses_deadline  # data/deadlines.yaml: questions.pause_deadline
    await session.execute(update(Question).values(asked_at=question.asked_at - timedelta(hours=5)))
    await session.commit()
    await chat.send("Số 14 hẻm 12")
    report = await queries.get(session=session, code=report.code)
    assert report.due_at - due >= timedelta(hours=5)
    assert await timeline(session, report.code, "deadline_paused")
    assert await timeline(session, report.code, "deadline_resumed")


async def test_a_hotline_report_gets_a_call_back_task_instead(session, make_user, report_factory):
    officer = await make_user("supervisor")
    report = await report_factory(channel="hotline", phone="0905123456")
    question = await ask(session, report.code, officer)
    assert question.status == "callback"
    tasks = await questions.callbacks(session=session, report_id=report.id)
    assert [t.reason for t in tasks] == ["question"]
    assert await session.scalar(select(Outbox.id).where(Outbox.kind == "question")) is None


async def test_delete_my_data_asks_once_then_erases_and_confirms(chat, session):
    await chat.send("Có người đổ rác thải bừa bãi ra lề đường")
    await chat.send(location=(12.6675, 108.0378))
    reply = await chat.says("bỏ qua")
    if "Nghị định 13" in reply:
        await chat.says("có")
        await chat.says("0905 123 456")
    code = (await chat.says("xác nhận")).split("Mã tra cứu: ")[1].split()[0]
    reply = await chat.says("Xóa dữ liệu của tôi")
    assert "đồng ý" in reply
    reply = await chat.says("đồng ý")
    assert "Đã xóa dữ liệu cá nhân" in reply and "1 phản ánh" in reply
    report = await session.scalar(select(Report).where(Report.code == code))
    assert report.reporter_phone is None and report.citizen_id is None
    assert await session.scalar(select(Citizen.id).where(Citizen.external_id == "u1")) is None
    assert (await session.scalar(select(Erasure))).source == "chat"
    await session.commit()
    assert await timeline(session, code, "erased")


async def test_delete_my_data_can_be_declined(chat, session):
    await chat.send("xoa du lieu cua toi")
    assert "giữ nguyên" in await chat.says("không")
    assert await session.scalar(select(Erasure.id)) is None
