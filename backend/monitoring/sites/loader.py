"""Load the watched sites and maintenance windows from `data/sites.yaml` (idempotent: sites
matched by URL, windows by name; a site staff edited keeps its state and history)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.loader import DataError, read_yaml
from backend.catalog.models import Agency
from backend.monitoring.sites import conditions as cond
from backend.monitoring.sites import maintenance
from backend.monitoring.sites.models import Site, SiteMaintenance
from backend.monitoring.sites.service import check_url

SITE_FIELDS = ("interval_s", "timeout_s", "conditions", "keywords_required", "keywords_forbidden",
               "failure_threshold", "success_threshold", "slow_ms", "change_threshold", "enabled")


async def load_sites(*, session: AsyncSession, data_dir: Path) -> dict[str, int]:
    doc = read_yaml(data_dir, "sites")
    defaults: dict[str, Any] = doc.get("defaults") or {}
    agencies = dict((await session.execute(select(Agency.code, Agency.id))).all())
    sites = doc.get("sites") or []
    for item in sites:
        where = f"sites.yaml: {item.get('url')}"
        try:
            url = check_url(str(item["url"]))
            cond.parse_all(item.get("conditions", defaults.get("conditions", [])))
        except (KeyError, ValueError) as exc:
            raise DataError(f"{where}: {exc}") from None
        except Exception as exc:  # ValidationFailed carries a message for people
            raise DataError(f"{where}: {getattr(exc, 'message', exc)}") from None
        code = item.get("agency")
        if code is not None and code not in agencies:
            raise DataError(f"{where}: unknown agency {code!r} (agencies.yaml)")
        values = {key: item.get(key, defaults.get(key)) for key in SITE_FIELDS if key in item or key in defaults}
        values.update(name=item["name"], agency_id=agencies.get(code) if code else None)
        row = await session.scalar(select(Site).where(Site.url == url))
        if row is None:
            session.add(Site(url=url, status="unknown", failures=0, successes=0, slow_count=0, changed_count=0,
                             **{"conditions": [], "keywords_required": [], "keywords_forbidden": [], **values}))
        else:
            for key, value in values.items():
                setattr(row, key, value)
    windows = doc.get("maintenance") or []
    for item in windows:
        row = await session.scalar(select(SiteMaintenance).where(SiteMaintenance.name == item["name"],
                                                                 SiteMaintenance.site_id.is_(None)))
        code = item.get("agency")
        values = {"start_time": item.get("start_time"), "end_time": item.get("end_time"),
                  "weekdays": item.get("weekdays") or [], "on_holidays": bool(item.get("on_holidays")),
                  "agency_id": agencies.get(code) if code else None, "active": item.get("active", True)}
        window = row or SiteMaintenance(name=item["name"])
        for key, value in values.items():
            setattr(window, key, value)
        try:
            maintenance.validate(window)
        except Exception as exc:
            raise DataError(f"sites.yaml: maintenance {item['name']!r}: {getattr(exc, 'message', exc)}") from None
        if row is None:
            session.add(window)
    await session.flush()
    return {"sites": len(sites), "site maintenance windows": len(windows)}
