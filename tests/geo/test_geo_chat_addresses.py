"""Addresses typed chat-style on Zalo or by the hotline desk find the same place (issue 16)."""

from __future__ import annotations

import pytest

from backend.geo.gazetteer import load_yaml


@pytest.fixture(scope="module")
def gazetteer():
    return load_yaml()


@pytest.mark.parametrize(
    ("chat", "careful"),
    [
        ("12 ngo quyen p tan an bmt", "12 Ngô Quyền, Phường Tân An, Buôn Ma Thuột"),
        ("12 ngo quyen, p.tan an, tp bmt", "12 Ngô Quyền, P. Tân An, TP. Buôn Ma Thuột"),
        ("45 nguyen tat thanh p tan lap bmt", "45 Nguyễn Tất Thành, phường Tân Lập, Buôn Ma Thuột"),
        ("thon 3 xa ea kar", "Thôn 3, xã Ea Kar"),
    ],
)
def test_chat_style_address_finds_the_same_place_as_its_accented_form(gazetteer, chat: str, careful: str) -> None:
    typed, written = gazetteer.geocode(chat), gazetteer.geocode(careful)
    assert typed is not None and written is not None
    assert typed.area_code == written.area_code
    assert (typed.latitude, typed.longitude) == (written.latitude, written.longitude)


def test_every_unit_name_typed_without_diacritics_finds_the_same_place(gazetteer) -> None:
    from backend.core.text import fold

    for area in gazetteer.areas:
        for name in (area.name, *area.aliases):
            written = gazetteer.geocode(f"12 Ngô Quyền, {name}")
            typed = gazetteer.geocode(fold(f"12 Ngô Quyền {name}").replace(",", " "))
            assert (typed and typed.area_code) == (written and written.area_code), name
