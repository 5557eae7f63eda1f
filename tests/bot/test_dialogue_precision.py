"""The chat and a typed address (issue 11 item 5): the bot says when it found only the ward, and
offers a duplicate from a ward's centre only when the address says the same place."""

from __future__ import annotations

from chatkit import LITTER
from sqlalchemy import select

from backend.reports.models import Report
from bot.dialogue.engine import CODE_RE

TAN_LAP = "phường Tân Lập, TP. Buôn Ma Thuột"


async def until_duplicate_or_summary(chat, address: str) -> str:
    await chat.send(LITTER)
    await chat.send(address)
    await chat.send("đúng")
    reply = await chat.says("bỏ qua")
    if "Nghị định 13" in reply:
        reply = await chat.says("không")
    return reply


async def test_a_typed_address_found_only_by_its_ward_is_said_to_be_approximate(chat) -> None:
    await chat.send(LITTER)
    reply = await chat.says(f"123 Lê Duẩn, {TAN_LAP}")
    assert "Phường Tân Lập" in reply and "gần đúng" in reply
    assert "Tôi tìm thấy" not in reply  # it did not find the street


async def test_the_chat_stores_a_typed_address_at_ward_precision(chat, session) -> None:
    await until_duplicate_or_summary(chat, f"123 Lê Duẩn, {TAN_LAP}")
    code = CODE_RE.search(await chat.says("xác nhận")).group(0)
    report = await session.scalar(select(Report).where(Report.code == code))
    assert report.location_precision == "ward" and report.address.startswith("123 Lê Duẩn")


async def test_the_chat_stores_a_shared_location_at_gps_precision(chat, session) -> None:
    code = await chat.file_report()
    assert await session.scalar(select(Report.location_precision).where(Report.code == code)) == "gps"


async def test_the_chat_offers_no_duplicate_from_another_street_of_the_ward(make_chat) -> None:
    first = make_chat(user_id="a")
    await until_duplicate_or_summary(first, f"123 Lê Duẩn, {TAN_LAP}")
    await first.send("xác nhận")
    reply = await until_duplicate_or_summary(make_chat(user_id="b"), f"45 Nguyễn Tất Thành, {TAN_LAP}")
    assert "Hình như" not in reply and "xác nhận" in reply.lower()


async def test_the_chat_offers_the_report_at_the_same_typed_address(make_chat) -> None:
    first = make_chat(user_id="a")
    await until_duplicate_or_summary(first, f"123 Lê Duẩn, {TAN_LAP}")
    code = CODE_RE.search(await first.says("xác nhận")).group(0)
    reply = await until_duplicate_or_summary(make_chat(user_id="b"), "123 le duan p tan lap bmt")
    assert "Hình như" in reply and code in reply and "cùng địa chỉ" in reply and " m." not in reply
