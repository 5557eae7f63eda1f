"""Offline gazetteer of the province's communes and wards: address text -> unit, point -> unit.

Pure and synchronous: built once from `AreaRecord`s (the area table or `data/areas.yaml`).

Matching works on normalised tokens (lowercase, no diacritics, apostrophes dropped, abbreviations
such as `P.`, `TP.`, `BMT` expanded) and looks every n-gram up as a "compact" key with the spaces
removed, so "Ea Kar", "Eakar" and "EA-KAR" meet. Each name a unit is known by is indexed at a
level: its current full name beats an old full name ("Phường Tân Lợi"), which beats an old
district name on its seat ("Huyện Cư M'gar"), then the bare short names. Old district or city
names mentioned anywhere in the address are context that settles names used twice.

`locate` has no polygons to test against (the dataset has none): a point belongs to the unit
whose centroid is nearest in units of that unit's own radius (sqrt(area / pi)), among units whose
bounding box (from the pre-2025 wards) holds the point; no box holding it means outside.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from backend.core import yamlfile
from backend.core.geodesy import haversine_m
from backend.core.text import APOSTROPHES, fold

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

# Match levels (bigger wins). A context hit (the unit's old district is named) adds CONTEXT.
CURRENT_FULL, LEGACY_FULL, SEAT_FULL, CURRENT_SHORT, LEGACY_SHORT, SEAT_SHORT = 100, 90, 70, 60, 50, 40
CONTEXT = 20
AMBIGUOUS_SHORT = 45  # a current short name that is also an old district's name ("Ea Kar")
AMBIGUOUS_PROVINCE = 42  # ... or the old province's ("Phú Yên")
MAX_NGRAM = 8
BOX_MARGIN_DEG = 0.01  # about 1 km: bounding boxes come from geocoded bounds, not surveys
KIND_RANK = {"ward": 2, "special_zone": 1, "commune": 0}

UNIT_PREFIXES = ("phuong", "xa", "thi tran", "dac khu")
DISTRICT_PREFIXES = ("huyen", "thanh pho", "thi xa", "quan")
PROVINCE_PREFIXES = ("tinh", "thanh pho")
# A bare name right after these words is a street or an alley, not a unit ("đường Hòa Bình").
STREET_MARKERS = {"duong", "dg", "hem", "ngo", "ngach"}

# Abbreviations people write in addresses, keyed on the normalised token.
ABBREVIATIONS = {
    "p": "phuong",
    "ph": "phuong",
    "x": "xa",
    "tp": "thanh pho",
    "tx": "thi xa",
    "tt": "thi tran",
    "q": "quan",
    "h": "huyen",
    "t": "tinh",
    "dk": "dac khu",
    "bmt": "buon ma thuot",
    "tpbmt": "thanh pho buon ma thuot",
    "hcm": "ho chi minh",
    "tphcm": "thanh pho ho chi minh",
    "dac": "dak",
    "dack": "dak",
    "daklak": "dak lak",
    "daclac": "dak lak",
    "daklac": "dak lak",
    "daclak": "dak lak",
}
PHRASES = {"buon me thuot": "buon ma thuot", "dak lac": "dak lak", "dak lack": "dak lak"}
NUMBERED = re.compile(r"^[pf](\d{1,2})$")  # "P1", "F1" = Phường 1 (old Tuy Hòa)
WORD = re.compile(r"[^\W_]+", re.UNICODE)
SEPARATORS = re.compile(r"[,;\n]")


@dataclass(frozen=True)
class AreaRecord:
    code: str
    name: str
    kind: str
    latitude: float
    longitude: float
    aliases: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    area_km2: float | None = None


@dataclass(frozen=True)
class GeoMatch:
    area_code: str
    area_name: str
    latitude: float
    longitude: float
    display_name: str
    score: float  # 0..1
    matched: str  # the name or alias that matched
    street: str = ""  # what the address says before its unit ("123 Lê Duẩn"): not placed (the point is the centre)


@dataclass(frozen=True)
class _Entry:
    area: AreaRecord
    level: int
    name: str  # as written in the data
    context: str | None  # compact key of the old district this name belonged to


@dataclass(frozen=True)
class _Token:
    text: str  # normalised
    start: int  # span in the original query
    end: int
    segment: int  # how many commas precede it


def tokens(text: str) -> list[_Token]:
    """Normalised tokens with their spans in `text`; abbreviations expand in place."""
    out: list[_Token] = []
    folded = APOSTROPHES.sub("", unicodedata.normalize("NFC", text))
    # Keep spans against the original: map folded offsets back by re-scanning the original.
    offsets = [i for i, ch in enumerate(unicodedata.normalize("NFC", text)) if not APOSTROPHES.match(ch)]
    for m in WORD.finditer(folded):
        word = fold(m.group())
        start, end = offsets[m.start()], offsets[m.end() - 1] + 1
        numbered = NUMBERED.match(word)
        expanded = f"phuong {numbered.group(1)}" if numbered else ABBREVIATIONS.get(word, word)
        segment = len(SEPARATORS.findall(folded, 0, m.start()))
        out.extend(_Token(part, start, end, segment) for part in expanded.split())
    text_seq = " ".join(t.text for t in out)
    for phrase, fixed in PHRASES.items():
        if f" {phrase} " in f" {text_seq} ":
            out = _replace_phrase(out, phrase.split(), fixed.split())
    return out


def _replace_phrase(toks: list[_Token], old: list[str], new: list[str]) -> list[_Token]:
    i, out = 0, []
    while i < len(toks):
        if [t.text for t in toks[i : i + len(old)]] == old:
            span = toks[i : i + len(old)]
            out.extend(_Token(w, span[0].start, span[-1].end, span[0].segment) for w in new)
            i += len(old)
        else:
            out.append(toks[i])
            i += 1
    return out


def normalise(text: str) -> str:
    return " ".join(t.text for t in tokens(text))


def compact(text: str) -> str:
    return normalise(text).replace(" ", "")


def _strip_prefix(norm: str, prefixes: Iterable[str]) -> str | None:
    for p in prefixes:
        if norm.startswith(p + " "):
            return norm[len(p) + 1 :]
    return None


def _variants(key: str) -> set[str]:
    """Spelling variants people use for Central Highlands names: Ea/Ia, Pắc/Pắk."""
    out = {key}
    for a, b in (("ea", "ia"), ("ia", "ea")):
        if key.startswith(a):
            out.add(b + key[len(a) :])
    out |= {k.replace("pac", "pak") for k in list(out)}
    return out


@cache
def default_foreign_names() -> tuple[str, ...]:
    """Names of places outside the province, generated into data/other_places.yaml."""
    path = DATA_DIR / "other_places.yaml"
    if not path.exists():
        return ()
    doc = yamlfile.load(path.read_text(encoding="utf-8")) or {}
    return tuple(n for key in ("provinces", "cities", "extra") for n in doc.get(key) or ())


class Gazetteer:
    def __init__(
        self,
        areas: Sequence[AreaRecord],
        province_name: str,
        province_bbox: Sequence[float] | None,
        foreign_names: Iterable[str] | None = None,
    ) -> None:
        self.areas = tuple(areas)
        self.province_name = province_name
        self.province_bbox = tuple(province_bbox) if province_bbox else _union([a.bbox for a in self.areas if a.bbox])
        self._by_code = {a.code: a for a in self.areas}
        self._index: dict[str, list[_Entry]] = {}
        self._districts: dict[str, str] = {}  # compact district name (full or short) -> short key
        self._area_districts: dict[str, set[str]] = {}
        self._build()
        self._province_keys = self._province_key_set(province_name)
        local = set(self._index) | set(self._districts) | self._province_keys
        self._foreign = self._foreign_key_set(
            default_foreign_names() if foreign_names is None else foreign_names, local
        )
        self._maxlen = MAX_NGRAM

    # ---- index -------------------------------------------------------------------------------

    def _add(self, key: str, entry: _Entry) -> None:
        if len(key) < 3 or key.isdigit():
            return
        for k in _variants(key):
            bucket = self._index.setdefault(k, [])
            if not any(e.area.code == entry.area.code and e.level >= entry.level for e in bucket):
                bucket.append(entry)

    def _build(self) -> None:
        for area in self.areas:
            districts: set[str] = set()
            self._add_name(area, area.name, CURRENT_FULL, CURRENT_SHORT, None)
            for alias in area.aliases:
                unit, _, context = (part.strip() for part in alias.partition(","))
                norm = normalise(unit)
                if context:
                    ctx_short = self._register_district(context)
                    districts.add(ctx_short)
                    self._add_name(area, unit, LEGACY_FULL, LEGACY_SHORT, ctx_short)
                elif _strip_prefix(norm, DISTRICT_PREFIXES) is not None:
                    ctx_short = self._register_district(unit)
                    districts.add(ctx_short)
                    self._add_name(area, unit, SEAT_FULL, SEAT_SHORT, ctx_short, DISTRICT_PREFIXES)
                elif _strip_prefix(norm, UNIT_PREFIXES) is not None:
                    self._add_name(area, unit, LEGACY_FULL, LEGACY_SHORT, None)
                else:
                    self._add(compact(unit), _Entry(area, CURRENT_SHORT, alias, None))
            self._area_districts[area.code] = districts

    def _add_name(
        self,
        area: AreaRecord,
        name: str,
        full: int,
        short: int,
        context: str | None,
        prefixes: Iterable[str] = UNIT_PREFIXES,
    ) -> None:
        norm = normalise(name)
        self._add(norm.replace(" ", ""), _Entry(area, full, name, context))
        bare = _strip_prefix(norm, prefixes)
        if bare:
            self._add(bare.replace(" ", ""), _Entry(area, short, name, context))

    def _register_district(self, name: str) -> str:
        norm = normalise(name)
        short = (_strip_prefix(norm, DISTRICT_PREFIXES) or norm).replace(" ", "")
        self._districts[norm.replace(" ", "")] = short
        self._districts[short] = short
        return short

    @staticmethod
    def _province_key_set(province_name: str) -> set[str]:
        norm = normalise(province_name)
        bare = _strip_prefix(norm, PROVINCE_PREFIXES) or norm
        return {norm.replace(" ", ""), bare.replace(" ", ""), "tinhphuyen", "phuyen"}  # old Phú Yên is ours now

    @staticmethod
    def _foreign_key_set(names: Iterable[str], local: set[str]) -> set[str]:
        keys: set[str] = set()
        for name in names:
            norm = normalise(name)
            keys.add(norm.replace(" ", ""))
            bare = _strip_prefix(norm, PROVINCE_PREFIXES)
            # Bare names only for provinces and cities; "Quận 1" needs its "Quận".
            if bare and not bare.isdigit():
                keys.add(bare.replace(" ", ""))
            elif not bare and not norm.startswith(("quan", "thi xa", "huyen")):
                keys.add(norm.replace(" ", ""))
        return {k for k in keys if k not in local and len(k) >= 4}

    # ---- geocode -----------------------------------------------------------------------------

    def geocode(self, query: str) -> GeoMatch | None:
        query = unicodedata.normalize("NFC", query)
        toks = tokens(query)
        hits = self._hits(toks)
        if not hits:
            return None
        foreign = any(kind == "foreign" for _, _, kind, _ in hits)
        local_province = any(kind == "province" for _, _, kind, _ in hits)
        if foreign and not local_province:
            return None
        districts = [(s, e, p) for s, e, kind, p in hits if kind == "district"]
        best: tuple[tuple[float, ...], _Entry, int] | None = None
        for start, end, kind, entry in hits:
            if kind != "unit":
                continue
            # Context is an old district named elsewhere in the address, never the hit itself.
            mentioned = {p for s, e, p in districts if e <= start or s >= end}
            # An old name carries its own district; a current name knows all the districts it came from.
            own = {entry.context} if entry.context else set()
            if entry.level >= CURRENT_SHORT and not entry.context:
                own = self._area_districts[entry.area.code]
            score = entry.level + (CONTEXT if own & mentioned else 0)
            # The qualifier wins: a name from another old district than the one the address names
            # ("xã Xuân Phú, TX Sông Cầu" is not Ea Kar's Xuân Phú) ranks below every name that fits.
            fits = not (mentioned and own and not own & mentioned)
            rank = (fits, score, KIND_RANK.get(entry.area.kind, 0), entry.area.area_km2 or 0.0)
            if best is None or rank > best[0]:
                best = (rank, entry, start)
        if best is None:
            return None
        (_fits, score, *_), entry, _start = best
        first = min(s for s, _, kind, _ in hits if kind != "foreign")
        street = query[: toks[first].start].strip(" ,.;-") if first < len(toks) else ""
        area = entry.area
        display = ", ".join(p for p in (street, area.name, self.province_name) if p)
        return GeoMatch(
            area_code=area.code,
            area_name=area.name,
            latitude=area.latitude,
            longitude=area.longitude,
            display_name=display,
            score=round(min(score / (CURRENT_FULL + CONTEXT), 1.0), 3),
            matched=entry.name,
            street=street,
        )

    def is_area_name(self, text: str) -> bool:
        """Whether `text` is, as a whole, the name of a unit, an old district or the province."""
        key = compact(text)
        return bool(key) and (key in self._index or key in self._districts or key in self._province_keys)

    def _hits(self, toks: list[_Token]) -> list[tuple[int, int, str, Any]]:
        """Every known n-gram, minus those inside a longer one: (start, end, kind, payload)."""
        raw: list[tuple[int, int, str, Any]] = []
        words = [t.text for t in toks]
        for i in range(len(words)):
            key = ""
            after_street = i > 0 and words[i - 1] in STREET_MARKERS and toks[i - 1].segment == toks[i].segment
            for j in range(i, min(i + self._maxlen, len(words))):
                if toks[j].segment != toks[i].segment:
                    break  # names never span a comma
                key += words[j]
                found = self._lookup(key, after_street)
                raw.extend((i, j + 1, kind, payload) for kind, payload in found)
        spans = {(s, e) for s, e, _, _ in raw}
        return [h for h in raw if not any(s <= h[0] and h[1] <= e and (e - s) > (h[1] - h[0]) for s, e in spans)]

    def _lookup(self, key: str, after_street: bool) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        if key in self._province_keys:
            found.append(("province", key))
        if key in self._foreign and not after_street:
            found.append(("foreign", key))
        if key in self._districts:
            found.append(("district", self._districts[key]))
        for entry in self._index.get(key, ()):
            level = entry.level
            if level <= CURRENT_SHORT and after_street:
                continue
            if level == CURRENT_SHORT and key in self._province_keys:
                entry = _Entry(entry.area, AMBIGUOUS_PROVINCE, entry.name, entry.context)
            elif level == CURRENT_SHORT and key in self._districts:
                entry = _Entry(entry.area, AMBIGUOUS_SHORT, entry.name, entry.context)
            found.append(("unit", entry))
        return found

    def suggest(self, prefix: str, limit: int = 8) -> list[GeoMatch]:
        """Typeahead: units whose name or alias starts with the last part of `prefix`."""
        last = prefix.rsplit(",", 1)[-1]
        key = compact(last)
        if len(key) < 2:
            return []
        ranked: dict[str, tuple[tuple[float, ...], _Entry]] = {}
        exact = self.geocode(prefix)
        for k, entries in self._index.items():
            if not k.startswith(key):
                continue
            for e in entries:
                rank = (e.level, -len(k), KIND_RANK.get(e.area.kind, 0), e.area.area_km2 or 0.0)
                if e.area.code not in ranked or rank > ranked[e.area.code][0]:
                    ranked[e.area.code] = (rank, e)
        order = sorted(ranked.values(), key=lambda r: r[0], reverse=True)
        out = [exact] if exact else []
        for rank, e in order:
            if len(out) >= limit:
                break
            if exact and e.area.code == exact.area_code:
                continue
            a = e.area
            out.append(
                GeoMatch(
                    a.code,
                    a.name,
                    a.latitude,
                    a.longitude,
                    f"{a.name}, {self.province_name}",
                    round(rank[0] / (CURRENT_FULL + CONTEXT), 3),
                    e.name,
                )
            )
        return out

    # ---- locate ------------------------------------------------------------------------------

    def locate(self, latitude: float, longitude: float) -> AreaRecord | None:
        box = self.province_bbox
        if box and not _in_box(latitude, longitude, box, 0.0):
            return None
        best: tuple[float, AreaRecord] | None = None
        for a in self.areas:
            if a.bbox and not _in_box(latitude, longitude, a.bbox, BOX_MARGIN_DEG):
                continue  # the cheap test first: most areas are far away
            radius = math.sqrt((a.area_km2 or 10.0) / math.pi)
            dist = haversine_m(latitude, longitude, a.latitude, a.longitude) / 1000
            if not a.bbox and dist > 1.5 * radius:
                continue
            weighted = dist / radius
            if best is None or weighted < best[0]:
                best = (weighted, a)
        return best[1] if best else None

    def get(self, code: str) -> AreaRecord | None:
        return self._by_code.get(code)


def _in_box(lat: float, lon: float, box: Sequence[float], margin: float) -> bool:
    return box[0] - margin <= lat <= box[2] + margin and box[1] - margin <= lon <= box[3] + margin


def _union(boxes: Iterable[Sequence[float] | None]) -> tuple[float, float, float, float] | None:
    real = [b for b in boxes if b]
    if not real:
        return None
    return (min(b[0] for b in real), min(b[1] for b in real), max(b[2] for b in real), max(b[3] for b in real))


def load_yaml(path: Path | None = None) -> Gazetteer:
    """A gazetteer straight from `data/areas.yaml` (tests, benchmark, demo generator)."""
    doc = yamlfile.load((path or DATA_DIR / "areas.yaml").read_text(encoding="utf-8"))
    areas = [
        AreaRecord(
            code=str(a["code"]),
            name=a["name"],
            kind=a["kind"],
            latitude=a["lat"],
            longitude=a["lon"],
            aliases=tuple(a.get("aliases") or ()),
            bbox=tuple(a["bbox"]) if a.get("bbox") else None,
            area_km2=a.get("area_km2"),
        )
        for a in doc["areas"]
    ]
    province = doc["province"]
    return Gazetteer(areas, province["name"], province.get("bbox"))


class OfflineGeocoder(Geocoder):
    """geopy's interface over the gazetteer, so offline and Nominatim look the same to callers."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        super().__init__(user_agent="phananh-offline")
        self.gazetteer = gazetteer

    def geocode(self, query: str, *, exactly_one: bool = True, **_: Any) -> Location | list[Location] | None:
        match = self.gazetteer.geocode(query)
        if match is None:
            return None
        location = Location(match.display_name, Point(match.latitude, match.longitude), vars(match))
        return location if exactly_one else [location]

    def reverse(self, query: Any, *, exactly_one: bool = True, **_: Any) -> Location | list[Location] | None:
        point = Point(query)
        area = self.gazetteer.locate(point.latitude, point.longitude)
        if area is None:
            return None
        raw = {"area_code": area.code, "area_name": area.name}
        location = Location(f"{area.name}, {self.gazetteer.province_name}", point, raw)
        return location if exactly_one else [location]
