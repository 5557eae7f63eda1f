"""One masking for every public surface (issue 17 item 6)."""

from __future__ import annotations

import pytest

from backend.core.masking import mask_phone, public_text


@pytest.mark.parametrize("text", ["gọi 0905123456", "gọi 0905 123 456", "gọi +84 905.123.456", "sđt 0262-3852-123"])
def test_phone_numbers_typed_into_text_are_masked(text):
    shown = public_text(text)
    assert "123" not in shown.split("•")[-1] and "•••" in shown


def test_an_email_address_is_masked_to_its_first_letter_and_domain():
    assert public_text("liên hệ nguyenvana@gmail.com") == "liên hệ n•••@gmail.com"


def test_ordinary_text_and_house_numbers_stay():
    assert public_text("Trước số 120 Lê Duẩn, năm 2026") == "Trước số 120 Lê Duẩn, năm 2026"


def test_a_staff_list_phone_shows_only_its_ends():
    assert mask_phone("0905123456") == "090••••456"


def test_the_public_mask_keeps_the_space_after_a_number():
    from backend.core.masking import public_text

    assert public_text("gọi 091 234 5678 nếu cần") == "gọi 091••••••• nếu cần"
    assert public_text("Gọi 0912345678 nếu cần") == "Gọi 091••••••• nếu cần"
