"""Load the indicator registry (data/indicators.yaml) into the database. Idempotent: rows are
matched by code and updated in place, so observations keep pointing at their indicator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.loader import DataError, read_yaml
from backend.catalog.models import Agency
from backend.monitoring.indicators.models import EntryDeadline, Indicator, TargetKind
from backend.monitoring.indicators.periods import FREQUENCIES

KINDS = ("flow", "stock")
CHANGES = ("percent", "points")
DIRECTIONS = ("higher", "lower", "neutral")
LEVELS = ("province", "commune")


def _check(item: dict[str, Any], agencies: dict[str, int]) -> None:
    code = item.get("code") or "?"
    for key in ("code", "name", "unit", "frequency", "kind", "owner"):
        if not item.get(key):
            raise DataError(f"indicators.yaml: indicator {code} needs `{key}`")
    for key, allowed in (("frequency", FREQUENCIES), ("kind", KINDS), ("change", CHANGES),
                         ("direction", DIRECTIONS)):
        value = item.get(key, allowed[0])
        if value not in allowed:
            raise DataError(f"indicators.yaml: {code}.{key} must be one of {', '.join(allowed)}, not {value!r}")
    if item["owner"] not in agencies:
        raise DataError(f"indicators.yaml: {code} names unknown owner agency {item['owner']!r} (data/agencies.yaml)")
    for level in item.get("levels") or ["province"]:
        if level not in LEVELS:
            raise DataError(f"indicators.yaml: {code}.levels: {level!r} is not province or commune")
    bounds = item.get("range")
    if bounds is not None and (len(bounds) != 2 or float(bounds[0]) > float(bounds[1])):
        raise DataError(f"indicators.yaml: {code}.range must be [min, max]")


async def load_registry(*, session: AsyncSession, data_dir: Path) -> dict[str, int]:
    doc = read_yaml(data_dir, "indicators")
    agencies = dict((await session.execute(select(Agency.code, Agency.id))).all())
    kinds = doc.get("target_kinds") or []
    for item in kinds:
        row = await session.get(TargetKind, item["code"])
        if row is None:
            session.add(TargetKind(code=item["code"], name=item["name"], priority=int(item.get("priority", 9))))
        else:
            row.name, row.priority = item["name"], int(item.get("priority", 9))
    items = doc.get("indicators") or []
    seen: set[str] = set()
    for position, item in enumerate(items):
        _check(item, agencies)
        if item["code"] in seen:
            raise DataError(f"indicators.yaml: indicator {item['code']} appears twice")
        seen.add(item["code"])
        bounds = item.get("range") or [None, None]
        values = {
            "name": item["name"], "unit": str(item["unit"]), "frequency": item["frequency"], "kind": item["kind"],
            "change": item.get("change", "percent"), "direction": item.get("direction", "higher"),
            "owner_id": agencies[item["owner"]], "levels": list(item.get("levels") or ["province"]),
            "min_value": None if bounds[0] is None else float(bounds[0]),
            "max_value": None if bounds[1] is None else float(bounds[1]),
            "formula": str(item.get("formula") or "").strip(), "source": str(item.get("source") or "").strip(),
            "breakdowns": [str(b) for b in item.get("breakdowns") or []], "sort_order": position,
        }
        row = await session.scalar(select(Indicator).where(Indicator.code == item["code"]))
        if row is None:
            session.add(Indicator(code=item["code"], **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
    # Deadlines have no natural key beyond (agency, frequency): the file is the truth.
    await session.execute(delete(EntryDeadline))
    deadlines = doc.get("deadlines") or []
    for item in deadlines:
        if item.get("agency") not in agencies:
            raise DataError(f"indicators.yaml: deadline names unknown agency {item.get('agency')!r}")
        if item.get("frequency") not in FREQUENCIES:
            raise DataError(f"indicators.yaml: deadline frequency must be one of {', '.join(FREQUENCIES)}")
        day = int(item.get("day", 5))
        if not 1 <= day <= 28:
            raise DataError("indicators.yaml: a deadline day must be 1..28 (every month has it)")
        session.add(EntryDeadline(agency_id=agencies[item["agency"]], frequency=item["frequency"], day=day,
                                  month_offset=int(item.get("month_offset", 1)),
                                  remind_days_before=int(item.get("remind_days_before", 2))))
    await session.flush()
    return {"indicators": len(items), "target kinds": len(kinds), "entry deadlines": len(deadlines)}
