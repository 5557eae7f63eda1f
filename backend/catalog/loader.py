"""Load reference data from `data/*.yaml` into the database. Idempotent: rows are matched by
their code and updated in place; nothing a report points at is ever deleted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog import service as catalog_service
from backend.catalog.models import (
    Agency,
    Area,
    Category,
    DeadlinePolicy,
    Holiday,
    RoutingRule,
    Setting,
)
from backend.core import yamlfile

FILES = ("categories", "areas", "agencies", "routing", "deadlines", "holidays")


@dataclass
class LoadResult:
    counts: dict[str, int] = field(default_factory=dict)


class DataError(ValueError):
    """Reference data that cannot be loaded; the message names the file and the fix."""


def read_yaml(data_dir: Path, name: str) -> dict[str, Any]:
    path = data_dir / f"{name}.yaml"
    if not path.exists():
        raise DataError(f"{path} is missing: restore it from git or point DATA_DIR at the data folder")
    try:
        content = yamlfile.load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(content, dict):
        raise DataError(f"{path} must hold a mapping at the top level")
    return content


async def _upsert(session: AsyncSession, model: type, key: str, value: Any, values: dict[str, Any]) -> Any:
    row = await session.scalar(select(model).where(getattr(model, key) == value))
    if row is None:
        row = model(**{key: value}, **values)
        session.add(row)
    else:
        for name, item in values.items():
            setattr(row, name, item)
    return row


async def load_reference(
    *, session: AsyncSession, data_dir: Path, progress: Callable[[str], None] | None = None
) -> LoadResult:
    result = LoadResult()
    step = progress or (lambda _name: None)

    docs = {name: read_yaml(data_dir, name) for name in FILES}

    for item in docs["categories"].get("categories", []):
        await _upsert(
            session,
            Category,
            "code",
            item["code"],
            {
                "name": item["name"],
                "name_en": item.get("name_en", ""),
                "description": item.get("description", ""),
                "sort_order": item.get("sort_order", 0),
            },
        )
    result.counts["categories"] = len(docs["categories"].get("categories", []))
    step("categories")

    province = docs["areas"].get("province")
    province_row = None
    if province:
        province_row = await _upsert(
            session,
            Area,
            "code",
            str(province["code"]),
            {
                "name": province["name"],
                "kind": "province",
                "latitude": province.get("lat"),
                "longitude": province.get("lon"),
                "bbox": province.get("bbox"),
                "aliases": province.get("aliases", []),
            },
        )
        await session.flush()
    areas = docs["areas"].get("areas", [])
    for item in areas:
        await _upsert(
            session,
            Area,
            "code",
            str(item["code"]),
            {
                "name": item["name"],
                "kind": item.get("kind", "commune"),
                "parent_id": province_row.id if province_row else None,
                "latitude": item.get("lat"),
                "longitude": item.get("lon"),
                "area_km2": item.get("area_km2"),
                "aliases": item.get("aliases") or [],
                "bbox": item.get("bbox"),
                "boundary": item.get("boundary"),
            },
        )
    await session.flush()
    result.counts["areas"] = len(areas) + (1 if province else 0)
    step("areas")

    area_ids = dict((await session.execute(select(Area.code, Area.id))).all())
    agencies = docs["agencies"].get("agencies", [])
    for item in agencies:
        area_code = item.get("area")
        if area_code is not None and str(area_code) not in area_ids:
            raise DataError(f"agencies.yaml: agency {item['code']} names unknown area {area_code}")
        await _upsert(
            session,
            Agency,
            "code",
            item["code"],
            {
                "name": item["name"],
                "name_en": item.get("name_en") or "",
                "kind": item["kind"],
                "area_id": area_ids.get(str(area_code)) if area_code is not None else None,
                "phone": item.get("phone"),
                "email": item.get("email"),
            },
        )
    await session.flush()
    result.counts["agencies"] = len(agencies)
    step("agencies")

    category_ids = dict((await session.execute(select(Category.code, Category.id))).all())
    agency_ids = dict((await session.execute(select(Agency.code, Agency.id))).all())

    def ref(table: dict[str, int], value: Any, what: str, file: str) -> int | None:
        if value is None:
            return None
        if str(value) not in table:
            raise DataError(f"{file}: unknown {what} {value!r}")
        return table[str(value)]

    # Routing rules and deadline policies have no natural key: the file is the truth, replace them.
    await session.execute(delete(RoutingRule))
    rules = docs["routing"].get("rules", [])
    for item in rules:
        session.add(
            RoutingRule(
                position=item["position"],
                category_id=ref(category_ids, item.get("category"), "category", "routing.yaml"),
                area_id=ref(area_ids, item.get("area"), "area", "routing.yaml"),
                agency_id=ref(agency_ids, item.get("agency"), "agency", "routing.yaml"),
                agency_of_area=bool(item.get("agency_of_area", False)),
                note=item.get("note") or "",
            )
        )
    result.counts["routing rules"] = len(rules)
    step("routing")

    await session.execute(delete(DeadlinePolicy))
    policies = docs["deadlines"].get("policies", [])
    for item in policies:
        if item["unit"] not in ("working_days", "working_hours", "days", "hours"):
            raise DataError(f"deadlines.yaml: unit must be working_days/working_hours/days/hours, not {item['unit']}")
        session.add(
            DeadlinePolicy(
                category_id=ref(category_ids, item.get("category"), "category", "deadlines.yaml"),
                priority=item.get("priority", "normal"),
                amount=int(item["amount"]),
                unit=item["unit"],
            )
        )
    if docs["deadlines"].get("working_hours"):
        await _upsert(session, Setting, "key", "working_hours", {"value": docs["deadlines"]["working_hours"]})
    if docs["deadlines"].get("questions"):  # asking the citizen: reminder, call back, deadline pause
        await _upsert(session, Setting, "key", "question_policy", {"value": docs["deadlines"]["questions"]})
    result.counts["deadline policies"] = len(policies)
    step("deadlines")

    holidays = docs["holidays"].get("holidays", [])
    for item in holidays:
        day = item["date"] if isinstance(item["date"], date) else date.fromisoformat(str(item["date"]))
        await _upsert(session, Holiday, "day", day, {"name": item["name"]})
    result.counts["holidays"] = len(holidays)
    step("holidays")
    await session.flush()
    await catalog_service.mark_changed(session=session)  # every process of the host, once committed
    return result
