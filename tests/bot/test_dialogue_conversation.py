"""Everything but filing: status, my reports, help, odd input, duplicates, rating, expiry, English."""

from __future__ import annotations

from datetime import timedelta

from chatkit import BMT, LITTER
from sqlalchemy import select, update

from backend.core.actor import Actor
from backend.core.db import utcnow
from backend.reports import service as reports_service
from backend.reports.models import Rating, Report, Supporter
from bot.dialogue.models import ChatState


async def resolve(session, make_user, code: str, note: str = "Đã thu gom rác") -> None:
    admin = await make_user("admin")
    report = await reports_service.get(session=session, code=code)
    if report.status == "new":
        await reports_service.transition(session=session, report=report, action="assign", actor=Actor.staff(admin))
    await reports_service.transition(session=session, report=report, action="resolve", actor=Actor.staff(admin),
                                     note=note)
    await session.commit()


async def test_code_alone_answers_with_the_status(chat):
    code = await chat.file_report()
    reply = await chat.says(code.lower())
    assert code in reply and "Lĩnh vực" in reply and "Hạn" in reply


async def test_tra_cuu_with_a_code_answers_with_the_status(chat):
    code = await chat.file_report()
    assert code in await chat.says(f"tra cứu {code}")


async def test_tra_cuu_alone_asks_for_the_code_then_answers(chat):
    code = await chat.file_report()
    assert "PA-XXXXXX" in await chat.says("/tracuu")
    assert code in await chat.says(code)


async def test_unknown_code_is_said_kindly(chat):
    assert "Không tìm thấy phản ánh PA-ZZZZZZ" in await chat.says("PA-ZZZZZZ")


async def test_my_reports_lists_the_citizens_reports(chat):
    code = await chat.file_report()
    reply = await chat.says("phản ánh của tôi")
    assert code in reply
    assert f"status:{code}" in chat.payloads()


async def test_my_reports_when_there_are_none(chat):
    assert "chưa gửi phản ánh nào" in await chat.says("phản ánh của tôi")


async def test_help_lists_what_can_be_done(chat):
    assert "Tra cứu" in await chat.says("giúp")


async def test_greeting_is_answered(chat):
    assert "Xin chào" in await chat.says("xin chào")


async def test_start_command_greets(chat):
    assert "Xin chào" in await chat.says("/start")


async def test_sticker_gets_a_helpful_reply(chat):
    assert "nhãn dán" in await chat.says(unsupported="sticker")


async def test_empty_message_gets_a_helpful_reply(chat):
    assert "trống" in await chat.says("   ")


async def test_ten_thousand_characters_are_refused_politely(chat):
    assert "dài quá" in await chat.says("a" * 10_000)


async def test_emoji_only_gets_a_reply(chat):
    assert await chat.says("👍👍") != ""


async def test_gibberish_gets_a_reply(chat):
    assert "chưa hiểu" in await chat.says("asdf")


async def test_unknown_button_payload_gets_a_reply(chat):
    assert (await chat.send(payload="no-such-button"))[0].text


async def test_nearby_open_report_of_same_category_offers_support(chat, make_chat, session):
    code = await chat.file_report()
    other = make_chat(user_id="u2")
    await other.send(LITTER)
    await other.send(location=(BMT[0] + 0.0003, BMT[1]))  # about 33 m away
    reply = await other.says("bỏ qua")
    if "Nghị định 13" in reply:
        reply = await other.says("không")
    assert code in reply and "ủng hộ" in reply
    reply = await other.says(payload="support")
    assert "Bạn đã ủng hộ phản ánh" in reply and code in reply
    report = await session.scalar(select(Report).where(Report.code == code))
    supporters = (await session.scalars(select(Supporter).where(Supporter.report_id == report.id))).all()
    assert len(supporters) == 1 and report.supporters_count == 1


async def test_declining_support_files_a_new_report(chat, make_chat):
    code = await chat.file_report()
    other = make_chat(user_id="u2")
    await other.send(LITTER)
    await other.send(location=BMT)
    reply = await other.says("bỏ qua")
    if "Nghị định 13" in reply:
        reply = await other.says("không")
    assert "kiểm tra lại" in await other.says("không")
    reply = await other.says("xác nhận")
    assert "Mã tra cứu" in reply and code not in reply


async def test_single_digit_after_resolution_records_the_rating(chat, session, make_user):
    code = await chat.file_report()
    await resolve(session, make_user, code)
    reply = await chat.says("5")
    assert "5/5" in reply
    report = await session.scalar(select(Report).where(Report.code == code))
    rating = await session.scalar(select(Rating).where(Rating.report_id == report.id))
    assert rating.stars == 5 and rating.source == "chat"


async def test_rating_button_records_the_rating(chat, session, make_user):
    code = await chat.file_report()
    await resolve(session, make_user, code)
    assert "4/5" in await chat.says(payload=f"rate:{code}:4")


async def test_low_rating_offers_reopen_and_yes_reopens(chat, session, make_user):
    code = await chat.file_report()
    await resolve(session, make_user, code)
    reply = await chat.says("1")
    assert "mở lại" in reply
    reply = await chat.says("có")
    assert "Đã mở lại" in reply
    report = await session.scalar(select(Report).where(Report.code == code))
    await session.refresh(report)
    assert report.status == "assigned" and report.reopen_count == 1


async def test_low_rating_then_no_keeps_it_resolved(chat, session, make_user):
    code = await chat.file_report()
    await resolve(session, make_user, code)
    await chat.send("2")
    assert "cảm ơn" in (await chat.says("không")).lower()
    report = await session.scalar(select(Report).where(Report.code == code))
    assert report.status == "resolved"


async def test_digit_with_nothing_to_rate_says_so(chat):
    assert "chờ bạn đánh giá" in await chat.says("3")


async def test_idle_report_expires_after_24_hours_with_a_note(chat, session):
    await chat.send(LITTER)
    await session.execute(update(ChatState).values(updated_at=utcnow() - timedelta(hours=25)))
    await session.commit()
    reply = await chat.says(location=BMT)
    assert "quá 24 giờ" in reply
    assert "mô tả" in reply  # the old description is gone


async def test_english_speakers_get_english(make_chat):
    chat = make_chat(user_id="en1", language="en")
    reply = await chat.says(LITTER)
    assert "Where is it?" in reply
