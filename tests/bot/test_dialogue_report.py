"""Filing a report by chat: slots in any order, place, photos, category, consent, confirmation."""

from __future__ import annotations

from chatkit import BMT, HANOI, LITTER, jpeg
from sqlalchemy import func, select

from backend.citizens.models import Citizen
from backend.notifications.models import Outbox
from backend.reports.models import Attachment, Report
from bot.dialogue.words import CODE_RE


async def test_description_first_asks_for_the_location(chat):
    reply = await chat.send(LITTER)
    assert any(m.request_location for m in reply)
    assert "ở đâu" in reply[-1].text


async def test_full_report_by_shared_point_answers_with_code_and_deadline(chat, session):
    await chat.send(LITTER)
    reply = await chat.says(location=BMT)
    assert "Đã ghi nhận vị trí" in reply and "ảnh" in reply
    summary = await chat.report_until_summary()
    assert "Xả rác" in summary or "Lĩnh vực" in summary
    reply = await chat.says("xác nhận")
    code = CODE_RE.search(reply).group(0)
    assert "Hạn xử lý" in reply
    report = await session.scalar(select(Report).where(Report.code == code))
    assert report.channel == "cli" and report.citizen_id is not None and report.category.code == "littering"


async def test_location_first_then_description_is_accepted(chat):
    await chat.send(location=BMT)
    reply = await chat.says(LITTER)
    assert "ảnh" in reply  # location known: next is photos


async def test_typed_address_is_geocoded_and_confirmed_with_the_place_name(chat, session):
    await chat.send(LITTER)
    reply = await chat.says("120 Lê Duẩn, phường Tân Lập, Buôn Ma Thuột")
    assert "Phường Tân Lập" in reply and "Đúng địa điểm" in reply
    reply = await chat.says("đúng")
    assert "Đã ghi nhận vị trí" in reply
    await chat.says("bỏ qua")
    await chat.says("không")
    reply = await chat.says("ok")
    code = CODE_RE.search(reply).group(0)
    report = await session.scalar(select(Report).where(Report.code == code))
    assert report.area.name == "Phường Tân Lập" and report.address.startswith("120 Lê Duẩn")


async def test_wrong_place_asks_for_the_location_again(chat):
    await chat.send(LITTER)
    await chat.send("Phường Tân Lập")
    reply = await chat.send("không")
    assert any(m.request_location for m in reply)


async def test_unknown_address_is_asked_again_kindly(chat):
    await chat.send(LITTER)
    reply = await chat.says("đường abcxyz")
    assert "Không tìm thấy địa chỉ" in reply


async def test_point_outside_the_province_is_refused_kindly(chat):
    await chat.send(LITTER)
    reply = await chat.says(location=HANOI)
    assert "ngoài tỉnh Đắk Lắk" in reply


async def test_typed_coordinates_count_as_a_location(chat):
    await chat.send(LITTER)
    reply = await chat.says(f"{BMT[0]}, {BMT[1]}")
    assert "Đã ghi nhận vị trí" in reply


async def test_photos_are_stored_on_the_report(chat, session):
    await chat.send(LITTER)
    await chat.send(location=BMT)
    reply = await chat.says(photos=[jpeg((1, 2, 3))])
    assert "1/5" in reply
    await chat.send(photos=[jpeg((4, 5, 6))])
    reply = await chat.says("xong")
    if "Nghị định 13" in reply:
        reply = await chat.says("không")
    assert "Ảnh: 2" in reply
    code = CODE_RE.search(await chat.says("xác nhận")).group(0)
    report = await session.scalar(select(Report).where(Report.code == code))
    count = await session.scalar(select(func.count(Attachment.id)).where(Attachment.report_id == report.id))
    assert count == 2


async def test_a_sixth_photo_is_not_kept(chat):
    await chat.send(LITTER)
    reply = await chat.says(photos=[jpeg((i, i, i)) for i in range(6)])
    assert "5/5" in reply and "Đã đủ 5 ảnh" in reply


async def test_a_file_that_is_not_an_image_is_refused(chat):
    await chat.send(LITTER)
    reply = await chat.says(photos=[b"%PDF-1.4 not an image"])
    assert "Ảnh không hợp lệ" in reply


async def test_photo_first_starts_a_report_and_asks_for_the_description(chat):
    reply = await chat.says(photos=[jpeg()])
    assert "1/5" in reply and "mô tả" in reply


async def test_unsure_category_asks_to_pick_by_number(chat):
    await chat.send("Có chuyện này ở đây cần xem xét giúp")
    await chat.send(location=BMT)
    reply = await chat.says("bỏ qua")
    assert "lĩnh vực nào" in reply and "1." in reply
    assert any(p.startswith("cat:") for p in chat.payloads())
    reply = await chat.says("9")
    assert "từ 1 đến" in reply
    reply = await chat.says("1")
    assert "Nghị định 13" in reply or "kiểm tra lại" in reply


async def test_change_category_at_the_summary(chat, session):
    await chat.report_until_summary()
    reply = await chat.says("đổi lĩnh vực")
    assert "lĩnh vực nào" in reply
    reply = await chat.says(payload="cat:other")
    assert "Vấn đề khác" in reply
    code = CODE_RE.search(await chat.says("xac nhan")).group(0)
    report = await session.scalar(select(Report).where(Report.code == code))
    assert report.category.code == "other" and report.category_source == "citizen"


async def test_confirm_button_files_the_report(chat):
    await chat.report_until_summary()
    reply = await chat.says(payload="confirm")
    assert CODE_RE.search(reply)


async def test_cancel_words_drop_the_report(chat, session):
    for word in ("hủy", "huỷ", "huy"):
        await chat.send(LITTER)
        reply = await chat.says(word)
        assert "Đã hủy" in reply
    reply = await chat.says("xác nhận")
    assert "Mã tra cứu" not in reply
    assert await session.scalar(select(func.count(Report.id))) == 0


async def test_cancel_with_nothing_in_progress_says_so(chat):
    assert "Không có gì để hủy" in await chat.says("huy")


async def test_consent_then_phone_are_stored(chat, session):
    await chat.send(LITTER)
    await chat.send(location=BMT)
    reply = await chat.says("bỏ qua")
    assert "Nghị định 13" in reply
    reply = await chat.says("đồng ý")
    assert "điện thoại" in reply
    assert "chưa đúng" in await chat.says("12ab")
    reply = await chat.says("0912 345 678")
    assert "kiểm tra lại" in reply
    code = CODE_RE.search(await chat.says("ok")).group(0)
    citizen = await session.scalar(select(Citizen).where(Citizen.external_id == "u1"))
    assert citizen.consent_at is not None and citizen.phone == "0912345678"
    report = await session.scalar(select(Report).where(Report.code == code))
    assert report.reporter_phone == "0912345678"


async def test_the_phone_question_offers_to_share_the_number(chat):
    await chat.send(LITTER)
    await chat.send(location=BMT)
    await chat.says("bỏ qua")
    await chat.says("đồng ý")
    asking = [m for m in chat.last if "điện thoại" in m.text]
    assert asking and asking[0].request_contact and ("Bỏ qua", "skip") in asking[0].buttons


async def test_consent_is_asked_only_once(chat):
    await chat.file_report()
    reply = await chat.report_until_summary(where=(12.70, 108.05))
    assert "Nghị định 13" not in reply


async def test_declined_consent_stores_no_phone(chat, session):
    await chat.file_report()
    citizen = await session.scalar(select(Citizen).where(Citizen.external_id == "u1"))
    assert citizen.consent_at is None and citizen.phone is None


async def test_chat_reply_is_the_receipt_so_the_received_message_is_not_queued_again(chat, session):
    code = await chat.file_report()
    row = await session.scalar(select(Outbox).where(Outbox.dedupe_key == f"{code}:received"))
    assert row.status == "sent"


async def test_a_failure_after_the_report_was_stored_rolls_it_back_and_keeps_the_draft(chat, session, monkeypatch):
    from backend.reports import service as reports_service

    await chat.report_until_summary()
    calls = 0

    async def broken(**kw):
        nonlocal calls
        calls += 1
        raise RuntimeError("disk full")

    monkeypatch.setattr(reports_service, "add_photo", broken)
    await chat.send(photos=[jpeg()])  # a photo for the draft, so add_photo runs after create
    reply = await chat.says("xác nhận")
    assert calls == 1
    assert "lỗi" in reply.lower()
    assert await session.scalar(select(func.count()).select_from(Report)) == 0
    monkeypatch.undo()
    reply = await chat.says("xác nhận")  # the draft survived: confirming again files it
    assert CODE_RE.search(reply), reply
    assert await session.scalar(select(func.count()).select_from(Report)) == 1
