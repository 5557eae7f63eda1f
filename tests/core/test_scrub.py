"""Personal data out of free text before it leaves for training data (backend/core/scrub.py)."""

from __future__ import annotations

import pytest

from backend.core.scrub import scrub_personal


@pytest.mark.parametrize(
    "number",
    [
        "0905123456",
        "0905 123 456",
        "0905.123.456",
        "0905-123-456",
        "090 512 3456",
        "+84 905 123 456",
        "+84905123456",
        "+84.905.123.456",
        "(+84) 905 123 456",
        "+84 (0) 905 123 456",
        "84905123456",
        "84 905 123 456",
        "0262 3852 123",
        "0262.3.852.123",
        "02623852123",
    ],
)
def test_each_form_of_a_vietnamese_phone_number_becomes_the_phone_placeholder(number: str) -> None:
    result = scrub_personal(f"Quán nhậu lấn vỉa hè, gọi {number} nếu cần.")
    assert result.text == "Quán nhậu lấn vỉa hè, gọi [sđt] nếu cần."
    assert dict(result.replaced) == {"phone": 1}


def test_an_email_address_becomes_the_email_placeholder() -> None:
    result = scrub_personal("liên hệ nguyen.van-a+pa@gmail.com.vn giúp em")
    assert (result.text, dict(result.replaced)) == ("liên hệ [email] giúp em", {"email": 1})


def test_a_phone_number_used_as_an_email_name_is_one_email() -> None:
    assert scrub_personal("mail 0905123456@gmail.com").text == "mail [email]"


@pytest.mark.parametrize("number", ["241234567", "066201001234"])
def test_nine_and_twelve_digit_id_card_numbers_become_the_id_placeholder(number: str) -> None:
    result = scrub_personal(f"em tên Lan, CCCD {number}, báo việc xả rác")
    assert (result.text, dict(result.replaced)) == ("em tên Lan, CCCD [cccd], báo việc xả rác", {"id": 1})


@pytest.mark.parametrize("plate", ["47A-123.45", "47A 123.45", "47B1-234.56", "47AB-12345", "47a-12345", "47C-1234"])
def test_a_licence_plate_becomes_the_plate_placeholder(plate: str) -> None:
    assert scrub_personal(f"xe tải {plate} đổ xà bần ra đường").text == "xe tải [biển số] đổ xà bần ra đường"


@pytest.mark.parametrize(
    "text",
    [
        "Quán ăn số 120 Lê Duẩn bày bàn ghế ra vỉa hè",
        "Nhà số 120/4 hẻm 38 Y Wang xây lấn hành lang",
        "Từ ngày 12/10/2026 đến 05.11.2026 lúc 20h30 vẫn xả nước thải",
        "ngày 05.10.2026 10.30 xe lại đỗ trên vỉa hè",
        "bị phạt 150000000đ, 100.000.000 đồng, 200000000 vnđ",
        "diện tích 120m2, cao 12m, 10kg 1000 bao rác, năm 2026",
        "mã 1234567890 trên cột điện",
    ],
)
def test_house_numbers_dates_times_and_sums_of_money_stay(text: str) -> None:
    result = scrub_personal(text)
    assert (result.text, dict(result.replaced)) == (text, {})


def test_two_numbers_in_one_report_are_both_replaced_and_counted() -> None:
    result = scrub_personal("gọi 0905123456 hoặc 0912.345.678, cmnd 241234567")
    assert result.text == "gọi [sđt] hoặc [sđt], cmnd [cccd]"
    assert dict(result.replaced) == {"phone": 2, "id": 1}
