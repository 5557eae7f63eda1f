"""Importing observations and targets: all or nothing. Every row is checked (indicator, area,
period, number, unit, plausible range, status not going backwards, no duplicate in the file)
before anything is written; a file with any bad row raises `ImportRejected` naming every one
(rows numbered as the spreadsheet shows them, header = 1) and changes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Area
from backend.core.db import utcnow
from backend.core.errors import ValidationFailed
from backend.core.text import fold_words
from backend.monitoring.indicators import periods
from backend.monitoring.indicators.models import (
    STATUS_RANK,
    ImportBatch,
    Indicator,
    Observation,
    ObservationRevision,
    Target,
    TargetKind,
)
from backend.monitoring.indicators.reading import BadFile, BadNumber, header_key, parse_number, read_rows

OBSERVATION_COLUMNS = ("indicator", "area", "period", "value", "status")
TARGET_COLUMNS = ("indicator", "area", "year", "kind", "value")
HEADER_ALIASES = {
    "chi_tieu": "indicator", "ma_chi_tieu": "indicator", "ma": "indicator",
    "dia_ban": "area", "don_vi_hanh_chinh": "area", "xa_phuong": "area",
    "ky": "period", "ky_bao_cao": "period",
    "gia_tri": "value", "so_lieu": "value",
    "trang_thai": "status", "tinh_trang": "status",
    "don_vi_tinh": "unit", "dvt": "unit",
    "nam": "year", "loai": "kind", "loai_chi_tieu": "kind", "ghi_chu": "note",
}
STATUS_WORDS = {
    "estimate": "estimate", "uoc tinh": "estimate", "uoc": "estimate", "uoc thuc hien": "estimate",
    "preliminary": "preliminary", "so bo": "preliminary",
    "official": "official", "chinh thuc": "official",
}
STATUS_LABELS = {"estimate": "ước tính", "preliminary": "sơ bộ", "official": "chính thức"}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(ValidationFailed):
    code = "import_rejected"

    def __init__(self, errors: list[RowError]) -> None:
        rows = len({e.row for e in errors})
        super().__init__(f"Tệp không được nhập: {rows} dòng có lỗi, không có số liệu nào được lưu")
        self.errors = sorted(errors, key=lambda e: (e.row, e.column))


@dataclass
class ImportResult:
    kind: str
    batch_id: int
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Lookup:
    indicators: dict[str, Indicator]
    area_ids: dict[str, int]  # code or folded name -> id
    area_aliases: dict[str, set[int]]  # folded alias (a pre-2025 name too) -> ids
    area_kinds: dict[int, str]
    province_id: int
    target_kinds: dict[str, str] = field(default_factory=dict)  # code or folded name -> code

    def area(self, text: Any) -> int:
        raw = str(text if text is not None else "").strip()
        if not raw:
            return self.province_id
        if raw.endswith(".0") and raw[:-2].isdigit():
            raw = raw[:-2]
        if raw in self.area_ids:
            return self.area_ids[raw]
        key = _fold(raw)
        if key in self.area_ids:
            return self.area_ids[key]
        found = self.area_aliases.get(key, set())
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            raise ValueError(f"địa bàn «{raw}» trùng tên nhiều xã, phường sau sáp nhập: ghi mã địa bàn")
        raise ValueError(f"không có địa bàn «{raw}»: ghi mã hoặc tên xã, phường hiện hành "
                         "(hoặc để trống cho toàn tỉnh)")


async def load_lookup(*, session: AsyncSession) -> Lookup:
    indicators = {i.code: i for i in (await session.scalars(select(Indicator))).all()}
    area_ids: dict[str, int] = {}
    aliases: dict[str, set[int]] = {}
    kinds: dict[int, str] = {}
    province_id = 0
    for area_id, code, name, kind, area_aliases in await session.execute(
            select(Area.id, Area.code, Area.name, Area.kind, Area.aliases)):
        kinds[area_id] = kind
        area_ids[code] = area_id
        area_ids[fold_words(name)] = area_id
        if kind == "province":
            province_id = province_id or area_id
            area_ids.setdefault("toan tinh", area_id)
        for alias in area_aliases or []:
            aliases.setdefault(fold_words(alias), set()).add(area_id)
    target_kinds: dict[str, str] = {}
    for kind in (await session.scalars(select(TargetKind))).all():
        target_kinds[kind.code] = kind.code
        target_kinds[fold_words(kind.name)] = kind.code
    return Lookup(indicators, area_ids, aliases, kinds, province_id, target_kinds)


def format_number(value: float | None, digits: int = 1) -> str:
    """Vietnamese style: 1.234,5 (dot between thousands, decimal comma)."""
    if value is None:
        return ""
    text = f"{value:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return text.rstrip("0").rstrip(",") if "," in text else text


def _units_match(given: str, unit: str) -> bool:
    return _fold(given).replace(" ", "") == _fold(unit).replace(" ", "")


@dataclass
class _Parsed:
    row: int
    indicator: Indicator
    area_id: int
    period: periods.Period
    value: float
    status: str


_fold = lru_cache(maxsize=8192)(fold_words)  # statuses, area and kind names repeat on every row


def _indicator(lookup: Lookup, raw: Any, errors: list[RowError], row: int,
               owner_id: int | None = None) -> Indicator | None:
    code = str(raw or "").strip().upper()
    found = lookup.indicators.get(code)
    if found is None:
        errors.append(RowError(row, "indicator", f"không có chỉ tiêu «{raw or ''}» trong danh mục" if code
                               else "thiếu mã chỉ tiêu"))
    elif owner_id is not None and found.owner_id != owner_id:
        errors.append(RowError(row, "indicator", f"chỉ tiêu {found.code} do đơn vị khác nhập số liệu"))
        return None
    return found


def _indicator_and_area(lookup: Lookup, cells: dict[str, Any], errors: list[RowError], row: int,
                        owner_id: int | None) -> tuple[Indicator | None, int | None]:
    """The row's indicator and area, each None (with its error recorded) when not found."""
    indicator = _indicator(lookup, cells.get("indicator"), errors, row, owner_id)
    try:
        return indicator, lookup.area(cells.get("area"))
    except ValueError as exc:
        errors.append(RowError(row, "area", str(exc)))
        return indicator, None


def _number(cells: dict[str, Any], field: str, errors: list[RowError], row: int) -> float | None:
    """The cell as a number, or None with its error recorded."""
    try:
        return parse_number(cells.get(field))
    except BadNumber as exc:
        errors.append(RowError(row, field, str(exc)))
        return None


def check_observations(rows: Iterable[tuple[int, dict[str, Any]]], lookup: Lookup, *, today: date,
                       owner_id: int | None = None) -> tuple[list[_Parsed], list[RowError]]:
    parsed: list[_Parsed] = []
    errors: list[RowError] = []
    first_row: dict[tuple[int, int, str], int] = {}
    horizon = date(today.year + (today.month == 12), today.month % 12 + 1, 1)  # the current month may be estimated
    for row, cells in rows:
        before = len(errors)
        indicator, area_id = _indicator_and_area(lookup, cells, errors, row, owner_id)
        period = None
        try:
            period = periods.parse(cells.get("period"), indicator.frequency if indicator else None)
            if period.start >= horizon:
                errors.append(RowError(row, "period", f"kỳ {period.code} chưa đến"))
        except periods.BadPeriod as exc:
            errors.append(RowError(row, "period", str(exc)))
        value = _number(cells, "value", errors, row)
        status = STATUS_WORDS.get(_fold(str(cells.get("status") or "")))
        if status is None:
            given = cells.get("status")
            errors.append(RowError(row, "status", f"trạng thái «{given}» không hợp lệ: ước tính, sơ bộ hoặc chính thức"
                                   if given not in (None, "") else "thiếu trạng thái: ước tính, sơ bộ hoặc chính thức"))
        if indicator is not None:
            unit = str(cells.get("unit") or "").strip()
            if unit and not _units_match(unit, indicator.unit):
                errors.append(RowError(row, "unit", f"đơn vị «{unit}» khác đơn vị của chỉ tiêu ({indicator.unit})"))
            if area_id is not None and lookup.area_kinds.get(area_id) != "province" \
                    and "commune" not in indicator.levels:
                errors.append(RowError(row, "area", f"chỉ tiêu {indicator.code} chỉ nhập cho toàn tỉnh"))
            if value is not None and not _plausible(indicator, value):
                errors.append(RowError(row, "value", _implausible(indicator, value)))
        if len(errors) > before or indicator is None or area_id is None or period is None or value is None \
                or status is None:
            continue
        key = (indicator.id, area_id, period.code)
        if key in first_row:
            errors.append(RowError(row, "period", f"trùng chỉ tiêu, địa bàn và kỳ với dòng {first_row[key]}"))
            continue
        first_row[key] = row
        parsed.append(_Parsed(row, indicator, area_id, period, value, status))
    return parsed, errors


def _plausible(indicator: Indicator, value: float) -> bool:
    low, high = indicator.min_value, indicator.max_value
    return (low is None or value >= low) and (high is None or value <= high)


def _implausible(indicator: Indicator, value: float) -> str:
    low = format_number(indicator.min_value) if indicator.min_value is not None else "…"
    high = format_number(indicator.max_value) if indicator.max_value is not None else "…"
    return (f"giá trị {format_number(value, 3)} ngoài khoảng hợp lý {low} – {high} {indicator.unit}: "
            "kiểm tra đơn vị và dấu thập phân")


async def _batch(session: AsyncSession, kind: str, filename: str, data: bytes, parsed: list[Any],
                 errors: list[RowError], *, empty: str, user_id: int | None, username: str,
                 channel: str) -> ImportBatch:
    """The import's batch row, once the file has passed: any row error, or no row at all (`empty`
    says what is missing), rejects the whole file and nothing is written."""
    if errors:
        raise ImportRejected(errors)
    if not parsed:
        raise ImportRejected([RowError(2, "indicator", empty)])
    batch = ImportBatch(kind=kind, filename=filename[:300], sha256=hashlib.sha256(data).hexdigest() if data else "",
                        rows=len(parsed), user_id=user_id, username=username, channel=channel)
    session.add(batch)
    await session.flush()
    return batch


async def _existing(session: AsyncSession, parsed: list[_Parsed]) -> dict[tuple[int, int, str], tuple[int, float, str]]:
    found: dict[tuple[int, int, str], tuple[int, float, str]] = {}
    indicator_ids = sorted({p.indicator.id for p in parsed})
    period_codes = sorted({p.period.code for p in parsed})
    for start in range(0, len(period_codes), 500):
        chunk = period_codes[start:start + 500]
        result = await session.execute(
            select(Observation.indicator_id, Observation.area_id, Observation.period, Observation.id,
                   Observation.value, Observation.status)
            .where(Observation.indicator_id.in_(indicator_ids), Observation.period.in_(chunk)))
        for indicator_id, area_id, period, obs_id, value, status in result:
            found[(indicator_id, area_id, period)] = (obs_id, value, status)
    return found


async def save_observations(*, session: AsyncSession, records: Iterable[tuple[int, dict[str, Any]]],
                            filename: str, data: bytes = b"", username: str, user_id: int | None = None,
                            channel: str = "file", today: date | None = None,
                            owner_id: int | None = None) -> ImportResult:
    """Check every record, then store them all (or raise `ImportRejected` and store nothing).
    A later status replaces an earlier one; an earlier status never replaces a later one; every
    change is a revision row (value and status before and after, who, when, which file)."""
    lookup = await load_lookup(session=session)
    parsed, errors = check_observations(records, lookup, today=today or date.today(), owner_id=owner_id)
    existing = await _existing(session, parsed) if parsed else {}
    for item in parsed:
        old = existing.get((item.indicator.id, item.area_id, item.period.code))
        if old is not None and STATUS_RANK[item.status] < STATUS_RANK[old[2]]:
            errors.append(RowError(item.row, "status", f"đã có số {STATUS_LABELS[old[2]]} cho kỳ {item.period.code}: "
                                   f"số {STATUS_LABELS[item.status]} không thay được"))
    batch = await _batch(session, "observations", filename, data, parsed, errors,
                         empty="tệp không có dòng số liệu nào", user_id=user_id, username=username, channel=channel)
    now = utcnow()
    result = ImportResult("observations", batch.id, len(parsed))
    new_rows: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    for item in parsed:
        old = existing.get((item.indicator.id, item.area_id, item.period.code))
        if old is None:
            new_rows.append({"indicator_id": item.indicator.id, "area_id": item.area_id, "period": item.period.code,
                             "period_start": item.period.start,
                             "months": item.period.last_month - item.period.first_month + 1,
                             "value": item.value, "status": item.status, "batch_id": batch.id,
                             "updated_by": username, "updated_at": now})
        elif old[1] == item.value and old[2] == item.status:
            result.unchanged += 1
        else:
            changes.append({"id": old[0], "value": item.value, "status": item.status, "batch_id": batch.id,
                            "updated_by": username, "updated_at": now})
            revisions.append({"observation_id": old[0], "value": item.value, "status": item.status,
                              "previous_value": old[1], "previous_status": old[2], "batch_id": batch.id,
                              "changed_by": username, "changed_at": now, "source": filename[:300]})
    # New rows: a plain executemany (RETURNING would cost a statement per row on SQLite), then
    # their ids read back by batch (only the new rows carry this batch's id at this point).
    for start in range(0, len(new_rows), 5000):
        await session.execute(insert(Observation.__table__), new_rows[start:start + 5000])
    if new_rows:
        for obs_id, value, status in await session.execute(
                select(Observation.id, Observation.value, Observation.status).where(Observation.batch_id == batch.id)):
            revisions.append({"observation_id": obs_id, "value": value, "status": status, "previous_value": None,
                              "previous_status": None, "batch_id": batch.id, "changed_by": username,
                              "changed_at": now, "source": filename[:300]})
    for start in range(0, len(changes), 2000):
        await session.execute(update(Observation), changes[start:start + 2000])
    for start in range(0, len(revisions), 5000):
        await session.execute(insert(ObservationRevision.__table__), revisions[start:start + 5000])
    result.created, result.updated = len(new_rows), len(changes)
    batch.changed = result.created + result.updated
    await session.flush()
    return result


def check_targets(rows: Iterable[tuple[int, dict[str, Any]]], lookup: Lookup,
                  owner_id: int | None = None) -> tuple[list[dict[str, Any]], list[RowError]]:
    parsed: list[dict[str, Any]] = []
    errors: list[RowError] = []
    first_row: dict[tuple[int, int, int, str], int] = {}
    for row, cells in rows:
        before = len(errors)
        indicator, area_id = _indicator_and_area(lookup, cells, errors, row, owner_id)
        year = None
        try:
            year = int(parse_number(cells.get("year")))
            if not 2000 <= year <= 2100:
                raise BadNumber(f"năm {year} ngoài khoảng 2000-2100")
        except BadNumber as exc:
            errors.append(RowError(row, "year", str(exc)))
        kind = lookup.target_kinds.get(str(cells.get("kind") or "").strip()) \
            or lookup.target_kinds.get(_fold(str(cells.get("kind") or "")))
        if kind is None:
            errors.append(RowError(row, "kind", f"loại chỉ tiêu «{cells.get('kind') or ''}» không có: "
                                   + ", ".join(sorted({k for k in lookup.target_kinds.values()}))))
        value = _number(cells, "value", errors, row)
        if indicator and value is not None and indicator.kind == "stock" and not _plausible(indicator, value):
            errors.append(RowError(row, "value", _implausible(indicator, value)))
        if len(errors) > before or None in (indicator, area_id, year, kind, value):
            continue
        assert indicator is not None and area_id is not None and year is not None and kind is not None
        key = (indicator.id, area_id, year, kind)
        if key in first_row:
            errors.append(RowError(row, "kind", f"trùng chỉ tiêu, địa bàn, năm và loại với dòng {first_row[key]}"))
            continue
        first_row[key] = row
        parsed.append({"indicator_id": indicator.id, "area_id": area_id, "year": year, "kind": kind,
                       "value": value, "note": str(cells.get("note") or "").strip()})
    return parsed, errors


async def save_targets(*, session: AsyncSession, records: Iterable[tuple[int, dict[str, Any]]], filename: str,
                       data: bytes = b"", username: str, user_id: int | None = None,
                       channel: str = "file", owner_id: int | None = None) -> ImportResult:
    """Targets per indicator, area, year and kind; a new value keeps the old one in `history`."""
    lookup = await load_lookup(session=session)
    parsed, errors = check_targets(records, lookup, owner_id)
    batch = await _batch(session, "targets", filename, data, parsed, errors,
                         empty="tệp không có dòng chỉ tiêu nào", user_id=user_id, username=username, channel=channel)
    result = ImportResult("targets", batch.id, len(parsed))
    now = utcnow()
    for item in parsed:
        row = await session.scalar(select(Target).where(
            Target.indicator_id == item["indicator_id"], Target.area_id == item["area_id"],
            Target.year == item["year"], Target.kind == item["kind"]))
        if row is None:
            session.add(Target(**item, batch_id=batch.id, updated_by=username, updated_at=now, history=[]))
            result.created += 1
        elif row.value == item["value"] and row.note == item["note"]:
            result.unchanged += 1
        else:
            row.history = [*row.history, {"value": row.value, "note": row.note, "by": row.updated_by,
                                          "at": row.updated_at.isoformat(), "batch": row.batch_id}]
            row.value, row.note, row.batch_id, row.updated_by, row.updated_at = (
                item["value"], item["note"], batch.id, username, now)
            result.updated += 1
    batch.changed = result.created + result.updated
    await session.flush()
    return result


def _table(header: list[str], rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, dict[str, Any]]]:
    keys = [header_key(h, HEADER_ALIASES) for h in header]
    width = len(keys)
    for number, values in rows:
        if len(values) < width:
            values = [*values, *([None] * (width - len(values)))]
        yield number, dict(zip(keys, values, strict=False))


async def import_file(*, session: AsyncSession, filename: str, data: bytes, username: str,
                      user_id: int | None = None, channel: str = "file", today: date | None = None,
                      owner_id: int | None = None) -> ImportResult:
    """An observations file (columns indicator, area, period, value, status[, unit]) or a targets
    file (indicator, area, year, kind, value[, note]), told apart by its header."""
    try:
        header, rows = read_rows(filename, data)
    except BadFile as exc:
        raise ImportRejected([RowError(1, "", str(exc))]) from exc
    keys = {header_key(h, HEADER_ALIASES) for h in header}
    targets = "period" not in keys and {"year", "kind"} <= keys
    required = TARGET_COLUMNS if targets else OBSERVATION_COLUMNS
    missing = [c for c in required if c not in keys and c != "area"]
    if missing:
        raise ImportRejected([RowError(1, c, f"thiếu cột «{c}»: dùng tệp mẫu (các cột {', '.join(required)})")
                              for c in missing])
    if targets:
        return await save_targets(session=session, records=_table(header, rows), filename=filename, data=data,
                                  username=username, user_id=user_id, channel=channel, owner_id=owner_id)
    return await save_observations(session=session, records=_table(header, rows), filename=filename, data=data,
                                   username=username, user_id=user_id, channel=channel, today=today,
                                   owner_id=owner_id)


