"""`phananh seed` for the cameras module: data/cameras.yaml, data/camera_rules.yaml and
data/traffic.yaml, matched by code and updated in place (idempotent)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cameras import service, traffic
from backend.cameras.models import TrafficParameter
from backend.cameras.schemas import CameraCreate, RuleCreate
from backend.catalog.loader import DataError, read_yaml
from backend.core.errors import DomainError


async def load_cameras(*, session: AsyncSession, data_dir: Path) -> dict[str, int]:
    counts = {"cameras": 0, "camera rules": 0, "traffic parameters": 0}
    for kind, table in read_yaml(data_dir, "traffic").items():
        if kind not in ("pcu", "los") or not isinstance(table, dict):
            raise DataError(f"{data_dir / 'traffic.yaml'}: unknown section {kind!r} (pcu, los)")
        for key, item in table.items():
            row = await session.get(TrafficParameter, (kind, str(key)))
            value, source = float(item["value"]), str(item.get("source", ""))
            if row is None:
                session.add(TrafficParameter(kind=kind, key=str(key), value=value, source=source))
            else:
                row.value, row.source = value, source
            counts["traffic parameters"] += 1
    for i, item in enumerate(read_yaml(data_dir, "cameras").get("cameras", []), 1):
        try:
            await service.save_camera(session=session, camera_in=CameraCreate(**item))
        except (ValidationError, DomainError, TypeError) as exc:
            raise DataError(f"{data_dir / 'cameras.yaml'}: camera #{i} ({item.get('code')}): {exc}") from exc
        counts["cameras"] += 1
    for i, item in enumerate(read_yaml(data_dir, "camera_rules").get("rules", []), 1):
        try:
            rule_in = RuleCreate(**item)
            existing = await session.scalar(
                select(service.CameraRule.id).where(service.CameraRule.code == rule_in.code))
            await service.save_rule(session=session, rule_in=rule_in, rule_id=existing)
        except (ValidationError, DomainError, TypeError) as exc:
            raise DataError(f"{data_dir / 'camera_rules.yaml'}: rule #{i} ({item.get('code')}): {exc}") from exc
        counts["camera rules"] += 1
    traffic.invalidate_cache()
    return counts
