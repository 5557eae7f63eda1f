"""Dossier statistics: pushed as JSON or imported from the one-stop system's XLSX export,
validated row by row (all or nothing, like the indicator import), then read back with their
shares (on time, online, online payment, digitized), per agency and ranked."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Agency
from backend.core.db import utcnow
from backend.core.errors import ValidationFailed
from backend.core.text import fold_words
from backend.monitoring.indicators import periods
from backend.monitoring.indicators.importer import ImportRejected, ImportResult, RowError
from backend.monitoring.indicators.models import ImportBatch
from backend.monitoring.indicators.reading import BadFile, BadNumber, header_key, parse_number, read_rows
from backend.monitoring.public_services.models import COUNTS, OPTIONAL_COUNTS, DossierStats

HEADER_ALIASES = {
    "don_vi": "agency", "co_quan": "agency", "ma_don_vi": "agency", "ky": "period", "thang": "period",
    "tiep_nhan": "received", "tiep_nhan_trong_ky": "received", "so_moi_tiep_nhan": "received",
    "ky_truoc_chuyen_qua": "carried_over", "ton_ky_truoc": "carried_over", "ky_truoc_chuyen_sang": "carried_over",
    "giai_quyet_dung_han": "resolved_on_time", "dung_han": "resolved_on_time",
    "truoc_han": "resolved_early", "giai_quyet_truoc_han": "resolved_early",
    "giai_quyet_qua_han": "resolved_late", "qua_han": "resolved_late",
    "dang_giai_quyet": "in_progress", "dang_giai_quyet_qua_han": "in_progress_late",
    "tra_lai": "returned", "rut_ho_so": "returned",
    "truc_tuyen": "online_received", "tiep_nhan_truc_tuyen": "online_received",
    "co_phi": "payable", "co_phi_le_phi": "payable",
    "thanh_toan_truc_tuyen": "paid_online", "so_hoa": "digitized", "so_hoa_ho_so": "digitized",
}
REQUIRED = ("agency", "period", *COUNTS)
LABELS = {
    "received": "tiếp nhận", "carried_over": "kỳ trước chuyển sang", "resolved_on_time": "giải quyết đúng hạn",
    "resolved_early": "trước hạn", "resolved_late": "giải quyết quá hạn", "in_progress": "đang giải quyết",
    "in_progress_late": "đang giải quyết quá hạn", "returned": "trả lại, rút", "online_received": "nộp trực tuyến",
    "payable": "có phí, lệ phí", "paid_online": "thanh toán trực tuyến", "digitized": "số hóa",
}


def _share(part: int | None, whole: int | None) -> float | None:
    return round(100 * part / whole, 1) if part is not None and whole else None


@dataclass
class Figures:
    """Counts summed over one or more months of one agency (or all), with the shares."""

    agency_code: str
    agency_name: str
    months: int
    counts: dict[str, int]

    def _get(self, key: str) -> int:
        return self.counts.get(key) or 0

    @property
    def to_handle(self) -> int:
        return self._get("received") + self._get("carried_over")

    @property
    def on_time_pct(self) -> float | None:
        return _share(self._get("resolved_on_time"), self._get("resolved_on_time") + self._get("resolved_late"))

    @property
    def online_pct(self) -> float | None:
        return _share(self._get("online_received"), self._get("received"))

    @property
    def online_payment_pct(self) -> float | None:
        return _share(self._get("paid_online"), self.counts.get("payable"))

    @property
    def digitized_pct(self) -> float | None:
        return _share(self._get("digitized"), self.to_handle)

    @property
    def late_pct(self) -> float | None:
        """DOMAIN: the late rate = late ÷ to be handled (resolved late and still open past the deadline)."""
        return _share(self._get("resolved_late") + self._get("in_progress_late"), self.to_handle)

    def as_dict(self) -> dict[str, Any]:
        return {"agency": self.agency_code, "agency_name": self.agency_name, **self.counts,
                "on_time_pct": self.on_time_pct, "online_pct": self.online_pct,
                "online_payment_pct": self.online_payment_pct, "digitized_pct": self.digitized_pct,
                "late_pct": self.late_pct, "late_in_progress": self._get("in_progress_late")}


def _count(cells: dict[str, Any], key: str, row: int, errors: list[RowError], required: bool) -> int | None:
    raw = cells.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors.append(RowError(row, key, f"thiếu số «{LABELS[key]}»"))
        return None
    try:
        number = parse_number(raw)
    except BadNumber as exc:
        errors.append(RowError(row, key, str(exc)))
        return None
    if number != int(number):
        errors.append(RowError(row, key, f"số hồ sơ «{raw}» phải là số nguyên"))
        return None
    if number < 0:
        errors.append(RowError(row, key, f"số hồ sơ «{LABELS[key]}» không được âm ({int(number)})"))
        return None
    return int(number)


def _consistency(values: dict[str, int | None], row: int, errors: list[RowError]) -> None:
    v = {k: (values.get(k) or 0) for k in (*COUNTS, *OPTIONAL_COUNTS)}
    available = v["received"] + v["carried_over"]
    handled = v["resolved_on_time"] + v["resolved_late"] + v["in_progress"] + v["returned"]
    rules = [
        (handled > available, "resolved_on_time",
         f"đã giải quyết, đang giải quyết và trả lại ({handled}) nhiều hơn số phải giải quyết "
         f"(tiếp nhận + kỳ trước chuyển sang = {available})"),
        (v["in_progress_late"] > v["in_progress"], "in_progress_late",
         f"đang giải quyết quá hạn ({v['in_progress_late']}) nhiều hơn đang giải quyết ({v['in_progress']})"),
        (v["resolved_early"] > v["resolved_on_time"], "resolved_early",
         f"trước hạn ({v['resolved_early']}) nhiều hơn trước và đúng hạn ({v['resolved_on_time']})"),
        (v["online_received"] > v["received"], "online_received",
         f"nộp trực tuyến ({v['online_received']}) nhiều hơn tiếp nhận ({v['received']})"),
        (values.get("payable") is not None and v["paid_online"] > v["payable"], "paid_online",
         f"thanh toán trực tuyến ({v['paid_online']}) nhiều hơn hồ sơ có phí ({v['payable']})"),
        (v["paid_online"] > available, "paid_online",
         f"thanh toán trực tuyến ({v['paid_online']}) nhiều hơn số phải giải quyết ({available})"),
        (v["digitized"] > available, "digitized",
         f"số hóa ({v['digitized']}) nhiều hơn số phải giải quyết ({available})"),
    ]
    errors.extend(RowError(row, column, message) for broken, column, message in rules if broken)


async def save_stats(*, session: AsyncSession, records: Iterable[tuple[int, dict[str, Any]]], filename: str,
                     data: bytes = b"", username: str, user_id: int | None = None, channel: str = "api",
                     today: date | None = None) -> ImportResult:
    """Check every record, then store them all (a month already stored for an agency is replaced),
    or raise `ImportRejected` and store nothing."""
    today = today or date.today()
    agencies: dict[str, int] = {}
    for agency_id, code, name in await session.execute(select(Agency.id, Agency.code, Agency.name)):
        agencies[code] = agencies[code.upper()] = agencies[fold_words(name)] = agency_id
    errors: list[RowError] = []
    parsed: list[tuple[int, str, dict[str, int | None]]] = []
    first: dict[tuple[int, str], int] = {}
    for row, cells in records:
        before = len(errors)
        raw_agency = str(cells.get("agency") or "").strip()
        agency_id = agencies.get(raw_agency) or agencies.get(raw_agency.upper()) or agencies.get(fold_words(raw_agency))
        if agency_id is None:
            errors.append(RowError(row, "agency", f"không có đơn vị «{raw_agency}»" if raw_agency else "thiếu đơn vị"))
        period = None
        try:
            period = periods.parse(cells.get("period"), "month")
            if period.start > today:
                errors.append(RowError(row, "period", f"tháng {period.code} chưa đến"))
        except periods.BadPeriod as exc:
            errors.append(RowError(row, "period", str(exc)))
        values = {key: _count(cells, key, row, errors, True) for key in COUNTS}
        values.update({key: _count(cells, key, row, errors, False) for key in OPTIONAL_COUNTS})
        if all(values[key] is not None for key in COUNTS):
            _consistency(values, row, errors)
        if len(errors) > before or agency_id is None or period is None:
            continue
        if (agency_id, period.code) in first:
            errors.append(RowError(row, "period", f"trùng đơn vị và tháng với dòng {first[(agency_id, period.code)]}"))
            continue
        first[(agency_id, period.code)] = row
        parsed.append((agency_id, period.code, values))
    if errors:
        raise ImportRejected(errors)
    if not parsed:
        raise ImportRejected([RowError(2, "agency", "không có dòng số liệu nào")])
    batch = ImportBatch(kind="dossiers", filename=filename[:300], sha256=hashlib.sha256(data).hexdigest() if data
                        else "", rows=len(parsed), user_id=user_id, username=username, channel=channel)
    session.add(batch)
    await session.flush()
    result = ImportResult("dossiers", batch.id, len(parsed))
    now = utcnow()
    for agency_id, period_code, values in parsed:
        row = await session.scalar(select(DossierStats).where(DossierStats.agency_id == agency_id,
                                                              DossierStats.period == period_code))
        if row is None:
            session.add(DossierStats(agency_id=agency_id, period=period_code, batch_id=batch.id, updated_by=username,
                                     updated_at=now, **values))
            result.created += 1
        elif all(getattr(row, k) == v for k, v in values.items()):
            result.unchanged += 1
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.batch_id, row.updated_by, row.updated_at = batch.id, username, now
            result.updated += 1
    batch.changed = result.created + result.updated
    await session.flush()
    return result


async def import_file(*, session: AsyncSession, filename: str, data: bytes, username: str,
                      user_id: int | None = None, channel: str = "file") -> ImportResult:
    try:
        header, rows = read_rows(filename, data)
    except BadFile as exc:
        raise ImportRejected([RowError(1, "", str(exc))]) from exc
    keys = [header_key(h, HEADER_ALIASES) for h in header]
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        raise ImportRejected([RowError(1, k, f"thiếu cột «{k}»") for k in missing])
    records = ((n, {k: (v[i] if i < len(v) else None) for i, k in enumerate(keys)}) for n, v in rows)
    return await save_stats(session=session, records=records, filename=filename, data=data, username=username,
                            user_id=user_id, channel=channel)


def months_of(text: str | None, today: date) -> list[str]:
    """Month codes of a period text (`2026-10`, `2026-Q3`, `2026-9M`, `2026`); the last 12 months
    by default."""
    if not text:
        last = periods.latest_closed("month", today)
        index = last.year * 12 + last.first_month - 1
        return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - 11, index + 1)]
    try:
        period = periods.parse(text)
    except periods.BadPeriod as exc:
        raise ValidationFailed(f"period: {exc}", field="period") from exc
    return [f"{period.year}-{m:02d}" for m in range(period.first_month, period.last_month + 1)]


async def monthly(*, session: AsyncSession, agency: str | None = None, period: str | None = None,
                  today: date | None = None) -> Sequence[DossierStats]:
    stmt = select(DossierStats).where(DossierStats.period.in_(months_of(period, today or date.today())))
    if agency:
        stmt = stmt.join(Agency, Agency.id == DossierStats.agency_id).where(Agency.code == agency)
    return (await session.scalars(stmt.order_by(DossierStats.period, DossierStats.agency_id))).all()


def figures(rows: Sequence[DossierStats], code: str = "", name: str = "") -> Figures:
    counts: dict[str, int] = {}
    for row in rows:
        for key in (*COUNTS, *OPTIONAL_COUNTS):
            value = getattr(row, key)
            if value is not None:
                counts[key] = counts.get(key, 0) + value
    months = len({r.period for r in rows})
    # the stock-like counts (carried over, in progress) belong to the first and the last month only
    if rows and months > 1:
        ordered = sorted(rows, key=lambda r: r.period)
        first, last = ordered[0].period, ordered[-1].period
        counts["carried_over"] = sum(r.carried_over for r in rows if r.period == first)
        counts["in_progress"] = sum(r.in_progress for r in rows if r.period == last)
        counts["in_progress_late"] = sum(r.in_progress_late for r in rows if r.period == last)
    return Figures(code, name, months, counts)


async def ranking(*, session: AsyncSession, period: str | None = None, today: date | None = None) -> list[Figures]:
    """Agencies over the period, best first: on-time share, then online share, then fewer late in progress."""
    rows = await monthly(session=session, period=period, today=today)
    by_agency: dict[int, list[DossierStats]] = {}
    for row in rows:
        by_agency.setdefault(row.agency_id, []).append(row)
    out = [figures(items, items[0].agency.code, items[0].agency.name) for items in by_agency.values()]
    return sorted(out, key=lambda f: (-(f.on_time_pct if f.on_time_pct is not None else -1),
                                      -(f.online_pct or 0), f.counts.get("in_progress_late", 0), f.agency_code))
