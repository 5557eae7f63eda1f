"""Light entity extractor: regexes plus a small gazetteer of Đắk Lắk streets and wards.

Matching runs on a diacritic-free lowercase copy of the text that has exactly the same length,
so offsets found there are offsets into the (NFC) text the citizen sent.
"""

from __future__ import annotations

import re
import unicodedata

from nlu.text import strip_diacritics

EXTRACTOR = "RegexEntityExtractor"

STREETS = (
    "Lê Duẩn",
    "Phan Bội Châu",
    "Nguyễn Tất Thành",
    "Ngô Quyền",
    "Y Wang",
    "Hùng Vương",
    "Trần Phú",
    "Phan Chu Trinh",
    "Mai Hắc Đế",
    "Lý Thường Kiệt",
    "Quang Trung",
    "Lê Hồng Phong",
    "Nguyễn Công Trứ",
    "Hai Bà Trưng",
    "Ama Khê",
    "Y Jút",
    "Nguyễn Văn Cừ",
    "Nguyễn Thị Minh Khai",
    "Phan Đình Giót",
    "Võ Văn Kiệt",
    "Giải Phóng",
    "Lê Thánh Tông",
    "Đinh Tiên Hoàng",
    "Y Ngông",
    "Trường Chinh",
    "Nguyễn Chí Thanh",
    "Hà Huy Tập",
    "Lê Thị Hồng Gấm",
    "Bà Triệu",
    "Điện Biên Phủ",
    "Tôn Đức Thắng",
    "Nguyễn Khuyến",
    "Phạm Văn Đồng",
    "Amakhê",
    "Y Bih Alêô",
    "Xô Viết Nghệ Tĩnh",
)
WARDS = (
    "Tân Lợi",
    "Tân Lập",
    "Tân An",
    "Tân Hòa",
    "Tân Thành",
    "Tân Tiến",
    "Ea Tam",
    "Thành Nhất",
    "Thành Công",
    "Thắng Lợi",
    "Thống Nhất",
    "Tự An",
    "Khánh Xuân",
    "Hòa Thắng",
    "Hòa Phú",
    "Ea Tu",
    "Cư Êbur",
    "Hòa Thuận",
    "Hòa Khánh",
    "Hòa Xuân",
    "Ea Kao",
    "Buôn Ma Thuột",
    "Buôn Hồ",
    "Cư M'gar",
    "Ea Kar",
    "Krông Năng",
    "Krông Pắc",
    "Krông Búk",
    "Ea H'leo",
    "Ea Súp",
    "Buôn Đôn",
    "Lắk",
    "Cư Kuin",
    "Krông Ana",
    "Krông Bông",
    "M'Đrắk",
    "Phước An",
    "Quảng Phú",
    "Ea Drăng",
    "An Lạc",
    "Đạt Hiếu",
    "Thiện An",
    "Bình Tân",
)


def _plain(name: str) -> str:
    return strip_diacritics(unicodedata.normalize("NFC", name)).lower()


def _alternation(names: tuple[str, ...]) -> str:
    # Longest first so "Buôn Ma Thuột" wins over a shorter prefix.
    return "|".join(re.escape(_plain(n)) for n in sorted(set(names), key=len, reverse=True))


_NUMBER = r"\d+[a-z]?(?:/\d+[a-z]?)*"
_TRACKING = re.compile(r"\bpa-[0-9a-z]{6,}\b")
_KNOWN_STREET = re.compile(rf"\b(?:{_alternation(STREETS)})\b")
_KNOWN_WARD = re.compile(rf"\b(?:{_alternation(WARDS)})\b")
_STREET_PREFIX = re.compile(r"\b(?:duong|pho)\s+")
_WARD_PREFIX = re.compile(r"(?:\b(?:phuong|xa|thi tran|tt)\s+|\b(?:p|x)\.\s*)")
_HOUSE_BEFORE = re.compile(rf"\b(?:so nha|so|sn)?\s*({_NUMBER})\s+(?:duong\s+)?$")
_HOUSE_AFTER_WORD = re.compile(rf"\b(?:so nha|sn)\s*({_NUMBER})\b")
# A proper name typed with capitals: up to four capitalised words ("Y Bih Alêô", "Ea H'leo").
_CAPITALISED = re.compile(r"(?:[A-ZÀ-ỸĐ][\w']*)(?:\s+[A-ZÀ-ỸĐ][\w']*){0,3}")


def _plain_same_length(text: str) -> str:
    # Character by character so that offsets stay aligned with the NFC text.
    return "".join(strip_diacritics(ch)[:1] or ch for ch in text).lower()


def _entity(text: str, name: str, start: int, end: int, value: str | None = None) -> dict:
    return {
        "entity": name,
        "value": value if value is not None else text[start:end],
        "start": start,
        "end": end,
        "confidence_entity": 1.0,
        "extractor": EXTRACTOR,
    }


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < e and s < end for s, e in spans)


def extract(text: str) -> list[dict]:
    """Entities of `text` (expected NFC) in Rasa's shape, ordered by position."""
    plain = _plain_same_length(text)
    found: list[dict] = []
    spans: list[tuple[int, int]] = []

    def add(name: str, start: int, end: int, value: str | None = None) -> None:
        if end > start and not _overlaps(spans, start, end):
            spans.append((start, end))
            found.append(_entity(text, name, start, end, value))

    for m in _TRACKING.finditer(plain):
        add("tracking_code", m.start(), m.end(), text[m.start() : m.end()].upper())

    # Wards first: "phường Tân An" must not become a street.
    for m in _WARD_PREFIX.finditer(plain):
        rest = m.end()
        known = _KNOWN_WARD.match(plain, rest)
        if known:
            add("ward", known.start(), known.end())
            continue
        cap = _CAPITALISED.match(text, rest)
        if cap:
            add("ward", cap.start(), cap.end())
    for m in _KNOWN_WARD.finditer(plain):
        add("ward", m.start(), m.end())

    streets: list[tuple[int, int]] = []
    for m in _STREET_PREFIX.finditer(plain):
        rest = m.end()
        known = _KNOWN_STREET.match(plain, rest)
        cap = known or _CAPITALISED.match(text, rest)
        if cap and not _overlaps(spans, cap.start(), cap.end()):
            add("street", cap.start(), cap.end())
            streets.append((cap.start(), cap.end()))
    for m in _KNOWN_STREET.finditer(plain):
        if not _overlaps(spans, m.start(), m.end()):
            add("street", m.start(), m.end())
            streets.append((m.start(), m.end()))

    # House numbers: the number just before a street ("12 Lê Duẩn", "số 12 đường Lê Duẩn")
    # or after "số nhà"/"sn".
    for start, _end in streets:
        m = _HOUSE_BEFORE.search(plain[max(0, start - 24) : start])
        if m:
            offset = max(0, start - 24)
            add("house_number", offset + m.start(1), offset + m.end(1))
    for m in _HOUSE_AFTER_WORD.finditer(plain):
        add("house_number", m.start(1), m.end(1))

    return sorted(found, key=lambda e: e["start"])
