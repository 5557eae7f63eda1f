"""Demo indicator data for `phananh seed --demo`: last year and this year up to the last closed
period (statuses as they would be: older months official, the last ones preliminary and the
latest an estimate that a preliminary figure has already replaced once), targets, a few wards,
and four months of dossier statistics. Stored through the same import path as real files."""

from __future__ import annotations

import math
import random
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Setting
from backend.core import yamlfile
from backend.monitoring.indicators import periods
from backend.monitoring.indicators.importer import load_lookup, save_observations, save_targets
from backend.monitoring.indicators.service import local_today
from backend.monitoring.public_services.service import save_stats

MARKER = "indicators_demo_loaded"


def _series(code: str, spec: dict[str, Any], frequency: str, kind: str, seasons: dict[str, list[float]],
            today: date, unit: str = "") -> list[tuple[periods.Period, float]]:
    rng = random.Random(code)
    counted = unit in ("doanh nghiệp", "lượt", "tấn")  # whole numbers
    this_year, last = today.year, periods.latest_closed(frequency, today)
    out: list[tuple[periods.Period, float]] = []
    if frequency in ("month", "quarter"):
        step = 1 if frequency == "month" else 3
        for year in (this_year - 1, this_year):
            for first in range(1, 13, step):
                period = periods.Period(year, first, first + step - 1)
                if period.start > last.start:
                    break
                factor = (1 + spec.get("growth", 0) / 100) ** (year - this_year + 1)
                if "path" in spec:  # cumulative % of the year's plan: slow start, fast finish
                    final = spec["final"] - (spec.get("growth", 0) if year < this_year else 0)
                    value = final * (1 - math.cos(math.pi * first / 12)) / 2 * rng.uniform(0.96, 1.04)
                elif "level" in spec:
                    value = spec["level"] + rng.uniform(-spec["spread"], spec["spread"])
                else:
                    season = seasons[spec.get("season", "flat")][first - 1]
                    value = spec["base"] * factor * season * rng.uniform(0.93, 1.07)
                out.append((period, round(value, 1 if kind == "stock" or (value < 100 and not counted) else 0)))
        return out
    if frequency == "6_9_months":
        for year, key in ((this_year - 1, "last_year"), (this_year, "cumulative_levels")):
            for index, months in enumerate((3, 6, 9, 12)):
                period = periods.Period(year, 1, months)
                if period.end > last.end:
                    break
                if "cumulative_levels" in spec:
                    out.append((period, spec[key][index]))
                else:
                    factor = (1 + spec.get("growth", 0) / 100) ** (year - this_year + 1)
                    out.append((period, round(spec["base"] * factor * months / 3 * rng.uniform(0.98, 1.02))))
        return out
    for year in (this_year - 3, this_year - 2, this_year - 1):  # yearly: the last closed years
        factor = (1 + spec.get("growth", 0) / 100) ** (year - this_year + 2)
        out.append((periods.Period(year, 1, 12), round(spec["base"] * factor, 1 if spec["base"] < 1000 else 0)))
    return out


def _status(period: periods.Period, last: periods.Period, frequency: str) -> str:
    if frequency == "year":
        return "official" if period.year < last.year else "preliminary"
    gap = (last.year - period.year) * 12 + last.last_month - period.last_month
    return "official" if gap >= 3 else "preliminary" if gap >= 1 else "estimate"


async def load_indicator_demo(*, session: AsyncSession, data_dir: Path, today: date | None = None) -> dict[str, int]:
    if await session.get(Setting, MARKER) is not None:
        return {"demo observations": 0, "demo targets": 0, "demo dossier months": 0}
    today = today or local_today()
    doc = yamlfile.load((data_dir / "indicators_demo.yaml").read_text(encoding="utf-8")) or {}
    lookup = await load_lookup(session=session)
    first_pass: list[dict[str, Any]] = []
    final: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    for code, spec in (doc.get("indicators") or {}).items():
        indicator = lookup.indicators[code]
        last = periods.latest_closed(indicator.frequency, today)
        series = _series(code, spec, indicator.frequency, indicator.kind, doc["seasons"], today, indicator.unit)
        if spec.get("omit_last"):  # not entered yet: this agency shows on the "late" list
            series = series[:-int(spec["omit_last"])]
        for period, value in series:
            status = _status(period, last, indicator.frequency)
            row = {"indicator": code, "area": "", "period": period.code, "value": value, "status": status}
            if status == "preliminary" and indicator.frequency != "year":  # an estimate came first
                first_pass.append({**row, "status": "estimate", "value": round(value * 0.985, 1)})
            final.append(row)
            for area, share in (doc.get("commune_split") or {}).get(code, {}).items():
                final.append({**row, "area": area, "value": round(value * share)})
        if "target" in spec:
            year = series[-1][0].year if series else today.year  # yearly figures: the latest year's target
            targets.append({"indicator": code, "area": "", "year": year, "kind": spec["kind"],
                            "value": spec["target"], "note": "Số liệu mẫu"})
    demo = {"filename": "demo", "username": "demo", "channel": "demo", "today": today}
    if first_pass:
        await save_observations(session=session, records=enumerate(first_pass, start=2), **demo)
    created = await save_observations(session=session, records=enumerate(final, start=2), **demo)
    await save_targets(session=session, records=enumerate(targets, start=2), filename="demo", username="demo",
                       channel="demo")
    dossiers = _dossiers(doc.get("dossier_agencies") or [], today)
    await save_stats(session=session, records=enumerate(dossiers, start=2), filename="demo", username="demo",
                     channel="demo", today=today)
    session.add(Setting(key=MARKER, value={"at": today.isoformat()}))
    await session.flush()
    return {"demo observations": created.rows, "demo targets": len(targets), "demo dossier months": len(dossiers)}


def _dossiers(agencies: list[str], today: date) -> list[dict[str, Any]]:
    rows = []
    last = periods.latest_closed("month", today)
    months = []
    index = last.year * 12 + last.first_month - 1
    for i in range(index - 3, index + 1):
        months.append(f"{i // 12}-{i % 12 + 1:02d}")
    for code in agencies:
        rng = random.Random(code)
        size = rng.choice((350, 600, 900, 1500, 2400)) if code != "TTPVHCC" else 5200
        skill = rng.uniform(0.86, 0.995)
        online = rng.uniform(0.45, 0.92)
        carried = int(size * 0.25)
        for month in months:
            received = int(size * rng.uniform(0.85, 1.15))
            available = received + carried
            resolved = int(available * rng.uniform(0.72, 0.82))
            on_time = int(resolved * skill)
            in_progress = available - resolved
            in_progress_late = int(in_progress * (1 - skill) * rng.uniform(0.5, 1.5))
            payable = int(received * 0.4)
            rows.append({"agency": code, "period": month, "received": received, "carried_over": carried,
                         "resolved_on_time": on_time, "resolved_early": int(on_time * 0.6),
                         "resolved_late": resolved - on_time, "in_progress": in_progress,
                         "in_progress_late": in_progress_late, "online_received": int(received * online),
                         "payable": payable, "paid_online": int(payable * rng.uniform(0.3, 0.8)),
                         "digitized": int(available * rng.uniform(0.5, 0.95))})
            carried = in_progress
    return rows
