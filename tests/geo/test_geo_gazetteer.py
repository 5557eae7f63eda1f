"""The offline gazetteer, built straight from data/areas.yaml."""

from __future__ import annotations

import pytest
from geopy.location import Location

from backend.geo.gazetteer import Gazetteer, OfflineGeocoder


def area_of(gazetteer: Gazetteer, query: str) -> str | None:
    match = gazetteer.geocode(query)
    return match.area_name if match else None


def test_data_has_all_102_units(gazetteer: Gazetteer) -> None:
    assert len(gazetteer.areas) == 102
    assert {a.kind for a in gazetteer.areas} == {"ward", "commune"}


def test_current_name_is_found(gazetteer: Gazetteer) -> None:
    assert area_of(gazetteer, "Phường Tân Lập") == "Phường Tân Lập"


def test_name_without_diacritics_is_found(gazetteer: Gazetteer) -> None:
    assert area_of(gazetteer, "phuong tan lap") == "Phường Tân Lập"


@pytest.mark.parametrize("query", ["P. Tân Lập", "p.tan lap", "P.Tân Lập, TP.BMT", "ph tan lap, bmt"])
def test_ward_abbreviation_is_understood(gazetteer: Gazetteer, query: str) -> None:
    assert area_of(gazetteer, query) == "Phường Tân Lập"


def test_commune_abbreviation_is_understood(gazetteer: Gazetteer) -> None:
    assert area_of(gazetteer, "X. Ea Kar, H. Ea Kar") == "Xã Ea Kar"


@pytest.mark.parametrize("query", ["BMT", "bmt", "Buôn Mê Thuột", "TP. Buôn Ma Thuột"])
def test_buon_ma_thuot_forms_land_in_the_city_ward(gazetteer: Gazetteer, query: str) -> None:
    assert area_of(gazetteer, query) == "Phường Buôn Ma Thuột"


@pytest.mark.parametrize("query", ["Eakar", "EA KAR", "ea-kar"])
def test_ea_spelling_variants_match(gazetteer: Gazetteer, query: str) -> None:
    assert area_of(gazetteer, query) == "Xã Ea Kar"


@pytest.mark.parametrize("query", ["Đắk Liêng", "Dak Lieng", "Đăk Liêng", "Đắc Liêng"])
def test_dak_spelling_variants_match(gazetteer: Gazetteer, query: str) -> None:
    assert area_of(gazetteer, query) == "Xã Đắk Liêng"


def test_legacy_ward_with_old_city_maps_to_new_ward(gazetteer: Gazetteer) -> None:
    assert area_of(gazetteer, "phường Tân Lợi, TP. Buôn Ma Thuột") == "Phường Buôn Ma Thuột"


def test_legacy_township_maps_to_new_commune(gazetteer: Gazetteer) -> None:
    assert area_of(gazetteer, "Thị trấn Quảng Phú, Huyện Cư M'gar") == "Xã Quảng Phú"


def test_old_district_alone_resolves_to_its_seat(gazetteer: Gazetteer) -> None:
    assert area_of(gazetteer, "huyện Cư M'gar") == "Xã Quảng Phú"


def test_bare_name_prefers_the_current_unit_over_an_old_district(gazetteer: Gazetteer) -> None:
    assert area_of(gazetteer, "Cư M'gar") == "Xã Cư M'gar"


def test_old_district_context_settles_a_name_used_twice(gazetteer: Gazetteer) -> None:
    # Hòa Phú is a current commune of Buôn Ma Thuột and an old commune of Tây Hòa (Phú Yên).
    assert area_of(gazetteer, "xã Hòa Phú") == "Xã Hòa Phú"
    assert area_of(gazetteer, "xã Hòa Phú, huyện Tây Hòa") == "Xã Sơn Thành"


def test_ambiguous_old_name_without_context_prefers_the_urban_unit(gazetteer: Gazetteer) -> None:
    # Tân Hòa: an old ward of Buôn Ma Thuột and an old commune of Buôn Đôn.
    assert area_of(gazetteer, "Tân Hòa") == "Phường Tân Lập"
    assert area_of(gazetteer, "xã Tân Hòa, huyện Buôn Đôn") == "Xã Ea Wer"


def test_house_and_street_keep_the_full_address(gazetteer: Gazetteer) -> None:
    match = gazetteer.geocode("123 Lê Duẩn, P. Tân Lập, BMT")
    assert match is not None
    assert match.area_name == "Phường Tân Lập"
    assert match.display_name == "123 Lê Duẩn, Phường Tân Lập, Tỉnh Đắk Lắk"
    tan_lap = next(a for a in gazetteer.areas if a.name == "Phường Tân Lập")
    assert (match.latitude, match.longitude) == (tan_lap.latitude, tan_lap.longitude)


def test_stated_province_is_accepted(gazetteer: Gazetteer) -> None:
    assert area_of(gazetteer, "Thôn 3, xã Ea Tul, huyện Cư M'gar, tỉnh Đắk Lắk") == "Xã Ea Tul"


def test_old_phu_yen_address_is_ours(gazetteer: Gazetteer) -> None:
    assert area_of(gazetteer, "Phường 1, TP Tuy Hòa, Phú Yên") == "Phường Tuy Hòa"


def test_street_named_like_a_unit_is_not_a_unit(gazetteer: Gazetteer) -> None:
    assert gazetteer.geocode("đường Tân Lập") is None


@pytest.mark.parametrize(
    "query",
    ["Quận 1, TP Hồ Chí Minh", "Hà Nội", "12 Nguyễn Trãi, Hà Nội", "TP Nha Trang, Khánh Hòa", "Pleiku, Gia Lai"],
)
def test_address_in_another_province_is_none(gazetteer: Gazetteer, query: str) -> None:
    assert gazetteer.geocode(query) is None


def test_unknown_text_is_none(gazetteer: Gazetteer) -> None:
    assert gazetteer.geocode("gần chợ, cạnh quán cà phê") is None


def test_suggest_completes_a_prefix(gazetteer: Gazetteer) -> None:
    names = [m.area_name for m in gazetteer.suggest("12 Lê Duẩn, p. tan l")]
    assert names[0] == "Phường Tân Lập"


def test_locate_buon_ma_thuot_centre_is_a_city_ward(gazetteer: Gazetteer) -> None:
    area = gazetteer.locate(12.67, 108.04)
    assert area is not None
    assert area.name in {
        "Phường Buôn Ma Thuột",
        "Phường Tân Lập",
        "Phường Thành Nhất",
        "Phường Ea Kao",
        "Phường Tân An",
    }


def test_locate_tuy_hoa_centre_is_in_former_phu_yen(gazetteer: Gazetteer) -> None:
    area = gazetteer.locate(13.0833, 109.30)
    assert area is not None and area.name == "Phường Tuy Hòa"


def test_locate_every_centroid_is_its_own_unit(gazetteer: Gazetteer) -> None:
    wrong = [a.name for a in gazetteer.areas if gazetteer.locate(a.latitude, a.longitude) != a]
    assert wrong == []


@pytest.mark.parametrize(
    ("place", "lat", "lon"),
    [
        ("Nha Trang", 12.24, 109.19),
        ("Pleiku", 13.98, 108.0),
        ("Hồ Chí Minh City", 10.78, 106.70),
        ("at sea", 13.2, 109.45),
    ],
)
def test_locate_outside_the_province_is_none(gazetteer: Gazetteer, place: str, lat: float, lon: float) -> None:
    assert gazetteer.locate(lat, lon) is None, place


def test_offline_geocoder_speaks_geopy(gazetteer: Gazetteer) -> None:
    geocoder = OfflineGeocoder(gazetteer)
    location = geocoder.geocode("P. Tân Lập, BMT")
    assert isinstance(location, Location)
    assert location.raw["area_code"] == "24121"
    back = geocoder.reverse("12.67, 108.04")
    assert isinstance(back, Location) and back.raw["area_name"].startswith("Phường")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("xã Xuân Phú, TX Sông Cầu", "Phường Sông Cầu"),  # Sông Cầu's Xuân Phú, not Ea Kar's
        ("phường Xuân Phú, thị xã Sông Cầu", "Phường Sông Cầu"),
        ("xã Xuân Phú, huyện Ea Kar", "Xã Ea Kar"),
        ("xã Ea Bar, huyện Sông Hinh", "Xã Ea Bá"),
        ("xã Ea Bar, huyện Buôn Đôn", "Xã Ea Nuôl"),
    ],
)
def test_the_old_district_named_in_the_address_wins(gazetteer: Gazetteer, query: str, expected: str) -> None:
    match = gazetteer.geocode(query)
    assert match is not None and match.area_name == expected
