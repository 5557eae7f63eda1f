"""What a typed address names beyond its ward, and Nominatim's answers as precision (issue 11 item 5)."""

from __future__ import annotations

import pytest

from backend.geo.precision import PlaceKey, Precision, from_nominatim, label, place_key, same_place


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("123 Lê Duẩn, phường Tân Lập, TP. Buôn Ma Thuột", PlaceKey("le duan", "123")),
        ("số 123 le duan p tan lap bmt", PlaceKey("le duan", "123")),
        ("12/4 đường Nguyễn Tất Thành, P. Tân An", PlaceKey("nguyen tat thanh", "12/4")),
        ("Chợ Tân Lập, phường Tân Lập", PlaceKey("cho tan lap", None)),
        ("phường Tân Lập, Buôn Ma Thuột", None),
        ("", None),
    ],
)
def test_place_key_reads_the_street_and_house_number(address: str, key: PlaceKey | None) -> None:
    assert place_key(address) == key


def test_a_bare_ward_name_is_no_place(gazetteer) -> None:
    assert place_key("Tân Lập, Buôn Ma Thuột", gazetteer.is_area_name) is None


def test_another_house_number_is_another_place() -> None:
    assert not same_place(place_key("123 Lê Duẩn, Tân Lập"), place_key("125 Lê Duẩn, Tân Lập"))
    assert same_place(place_key("123 Lê Duẩn, Tân Lập"), place_key("123 LÊ DUẨN - P.Tân Lập"))


@pytest.mark.parametrize(
    ("raw", "precision"),
    [
        ({"place_rank": 30, "class": "building"}, Precision.address),
        ({"place_rank": "26", "class": "highway"}, Precision.street),
        ({"place_rank": 20}, Precision.ward),
        ({"place_rank": 12}, Precision.district),
        ({"addresstype": "road"}, Precision.street),
    ],
)
def test_a_nominatim_answer_is_as_precise_as_its_rank(raw: dict, precision: Precision) -> None:
    assert from_nominatim(raw) == precision


def test_the_offline_gazetteer_places_a_typed_street_at_the_ward_centre(gazetteer) -> None:
    match = gazetteer.geocode("123 Lê Duẩn, phường Tân Lập")
    assert match is not None and match.street == "123 Lê Duẩn"


def test_labels_are_vietnamese() -> None:
    assert label("ward") == "tâm phường/xã — vị trí gần đúng" and label("nonsense") == "chưa rõ độ chính xác"
