"""The corners a new user hit in the chat: an address typed first, a paste cut mid-character,
the photo limit, and a terminal with no location button."""

from __future__ import annotations

from sqlalchemy import select

from backend.reports.models import Report
from tests.bot.chatkit import LITTER, Chat, jpeg


async def test_an_address_typed_first_is_the_place_and_the_description_is_asked_next(chat):
    reply = await chat.says("123 Lê Duẩn, phường Tân Lập")
    assert "Đúng địa điểm" in reply and "mô tả" not in reply.lower()
    reply = await chat.says("đúng")
    assert "Đã ghi nhận vị trí" in reply and "mô tả ngắn gọn sự việc" in reply  # asks what happened
    reply = await chat.says("Quán cà phê bày bàn ghế chiếm hết vỉa hè, người đi bộ phải xuống lòng đường")
    assert "Không tìm thấy địa chỉ" not in reply


async def test_a_report_that_starts_with_a_street_word_stays_a_description(chat):
    reply = await chat.says("Đường Nguyễn Tất Thành có người đổ rác thải bừa bãi ra lề đường, bốc mùi")
    assert "Đã ghi nhận mô tả" in reply


async def test_a_lone_surrogate_from_a_cut_paste_is_dropped_and_the_report_files(chat, session):
    await chat.send(LITTER + " \ud83d")
    await chat.send(location=(12.6675, 108.0378))
    reply = await chat.says("bỏ qua")
    if "Nghị định 13" in reply:
        await chat.send("không")
    reply = await chat.says("xác nhận")
    assert "PA-" in reply and "sự cố" not in reply
    report = await session.scalar(select(Report))
    assert "\ud83d" not in report.description


async def test_the_fifth_photo_invites_no_more(chat):
    await chat.send(LITTER)
    reply = await chat.says(photos=[jpeg((i, i, i)) for i in range(5)])
    assert "Đã nhận đủ 5/5 ảnh" in reply and "Gửi thêm" not in reply.split("Đã nhận đủ")[1]


async def test_a_photo_before_the_description_does_not_say_type_done(chat):
    reply = await chat.says(photos=[jpeg()])
    assert "1/5" in reply and "xong" not in reply


async def test_the_terminal_is_not_told_about_a_location_button(session):
    terminal = Chat(session, channel="cli", user_id="t1")
    await terminal.send(LITTER)
    assert "Gửi vị trí" not in terminal.last[-1].text and "Gõ địa chỉ" in terminal.last[-1].text


async def test_telegram_still_offers_the_location_button(session):
    telegram = Chat(session, channel="telegram", user_id="t2")
    await telegram.send(LITTER)
    assert "Gửi vị trí" in telegram.last[-1].text and telegram.last[-1].request_location


async def test_an_administrative_question_is_told_where_such_questions_go(chat):
    reply = await chat.says("cho hỏi thủ tục làm căn cước công dân cho con ở đâu vậy ạ")
    assert "dichvucong.gov.vn" in reply
