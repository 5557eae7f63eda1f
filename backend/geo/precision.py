"""How precise a report's point is, and whether two typed addresses name the same place.

A point shared from a phone is where the person stood (`gps`); one picked on a map is where they
clicked (`map`); a geocoder that found the house or the named place gives `address`, the middle
of a street `street`; the offline gazetteer knows only communes and wards, so a typed address it
places lands on the ward's centre (`ward`), which says nothing about where in the ward it is.
Duplicate search reads this: a ward-centre (or coarser) point never matches by distance alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from backend.core.text import fold_words


class Precision(StrEnum):
    gps = "gps"  # a location shared from the device (chat, Open311 lat/long, a camera's position)
    map = "map"  # a point picked on a map (portal, hotline desk)
    address = "address"  # the geocoder found the house number or the named place
    street = "street"  # the geocoder found the street, not the house: its middle
    ward = "ward"  # only the commune/ward was found: its centre
    district = "district"
    province = "province"
    unknown = "unknown"  # older reports whose source is not known


PRECISIONS = tuple(p.value for p in Precision)
# Points that say where the problem is: matched by distance.
POINT = frozenset({Precision.gps, Precision.map, Precision.address})
# Points that say only which area: never matched by distance alone.
COARSE = frozenset({Precision.ward, Precision.district, Precision.province, Precision.unknown})

LABELS = {
    Precision.gps: "GPS",
    Precision.map: "chọn trên bản đồ",
    Precision.address: "theo địa chỉ",
    Precision.street: "giữa tuyến đường — vị trí gần đúng",
    Precision.ward: "tâm phường/xã — vị trí gần đúng",
    Precision.district: "khu vực huyện cũ — vị trí gần đúng",
    Precision.province: "chỉ biết trong tỉnh — chưa rõ vị trí",
    Precision.unknown: "chưa rõ độ chính xác",
}


def label(value: str | None) -> str:
    """The Vietnamese words staff read beside a report's point ("tâm phường/xã — vị trí gần đúng")."""
    try:
        return LABELS[Precision(value or "unknown")]
    except ValueError:
        return LABELS[Precision.unknown]


def is_coarse(value: str | None) -> bool:
    return (value or Precision.unknown) in COARSE


# Nominatim's place_rank: 30 a house or a named place, 26-27 a street, 16-25 a city part, village
# or hamlet, 12-15 a district, below that a province or more.
def from_nominatim(raw: dict[str, Any]) -> Precision:
    """The precision of a Nominatim answer (its `place_rank`, else its `addresstype`/`class`)."""
    try:
        rank = int(raw.get("place_rank"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        rank = None
    if rank is not None:
        if rank >= 28:
            return Precision.address
        if rank >= 26:
            return Precision.street
        if rank >= 16:
            return Precision.ward
        if rank >= 12:
            return Precision.district
        return Precision.province
    kind = str(raw.get("addresstype") or raw.get("class") or "")
    if kind in ("house", "building", "amenity", "shop", "tourism", "office", "leisure", "place"):
        return Precision.address
    if kind in ("road", "highway"):
        return Precision.street
    return Precision.ward


# ---- place keys: what a typed address says beyond its ward ------------------------------------

# Words that start the administrative part of an address ("phường Tân Lập", "TP. Buôn Ma Thuột").
_ADMIN = re.compile(
    r"\b(?:phuong|p|xa|thi tran|tt|dac khu|huyen|h|quan|q|thanh pho|tp|tpbmt|thi xa|tx|tinh|t|bmt)\b"
)
_MARKERS = re.compile(r"^(?:so nha|so|sn|dia chi|tai|o|truoc|gan|doi dien|canh)\s+")
_STREET_WORDS = re.compile(r"^(?:duong|dg|d|pho)\s+")
_NUMBER = re.compile(r"^(\d+[a-z]?(?:\s*/\s*\d+[a-z]?)*)\s+(.+)$")


@dataclass(frozen=True)
class PlaceKey:
    name: str  # a street ("le duan") or a named place ("cho tan lap"), folded
    number: str | None  # the house number ("123", "12/4"), when one was typed


def place_key(address: str | None, is_area_name: Callable[[str], bool] | None = None) -> PlaceKey | None:
    """The street and house number, or the named place, that an address names before its ward
    ("123 Lê Duẩn, phường Tân Lập" -> ("le duan", "123")); None when it names only areas.
    `is_area_name`: the gazetteer's test, so a bare ward name ("Tân Lập") is not taken for a place."""
    if not address:
        return None
    for segment in address.replace(";", ",").replace("\n", ",").split(","):
        text = fold_words(segment).replace("-", " ")
        admin = _ADMIN.search(text)
        if admin is not None:
            text = text[: admin.start()]
        text = " ".join(text.split())
        text = _MARKERS.sub("", text)
        if not text or (is_area_name is not None and is_area_name(text)):
            if admin is not None:
                return None  # the administrative part has begun: nothing after it is a street
            continue
        number = None
        found = _NUMBER.match(text)
        if found:
            number, text = found.group(1).replace(" ", ""), found.group(2)
        text = _STREET_WORDS.sub("", text).strip()
        if len(text) < 2 or text.isdigit():
            return None
        return PlaceKey(text, number)
    return None


def same_place(a: PlaceKey | None, b: PlaceKey | None) -> bool:
    """Whether two addresses name the same place: same street and house number, or the same named
    place (neither with a number)."""
    return a is not None and b is not None and a.name == b.name and a.number == b.number


def house_number(key: PlaceKey | None) -> int | None:
    """The leading number of a house number ("12/4" -> 12), to tell how far apart on a street."""
    if key is None or key.number is None:
        return None
    digits = re.match(r"\d+", key.number)
    return int(digits.group()) if digits else None
