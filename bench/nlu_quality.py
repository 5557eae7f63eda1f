"""The classifier's production figures (/admin/manage/nlu) at a province's scale, on PostgreSQL.

`run(console, pg_url)` fills the database with COPY (default 1,000,000 reports over three years,
each with its `create` event: 88 % labelled by the classifier, 5 % set by the hotline, 7 %
citizens' picks with the classifier's guess; 8 % of the labelled ones corrected by staff with a
`recategorize` event), then times what the page reads for each window (30, 90, 365 days):
`classifier_quality.quality` and `list_corrections(newest=50)` (BENCH_RUNS times each), and once
the download's list, every correction of the window (`list_corrections`).

    .venv/bin/python -m bench.nlu_quality                          # its own PostgreSQL (pgserver)
    BENCH_NLU_TOTAL=200000 .venv/bin/python -m bench.nlu_quality   # smaller
    BENCH_PG_URL=postgresql+asyncpg://postgres@127.0.0.1:PORT/db .venv/bin/python -m bench.nlu_quality  # kept data
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench.admin import database, migrated
from bench.api import TEXTS

TOTAL = int(os.environ.get("BENCH_NLU_TOTAL", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
YEARS = 3
WINDOWS = (30, 90, 365)


async def fill(url: str, total: int = TOTAL) -> dict[str, Any]:
    """Migrate, load reference data, then COPY `total` reports with their events (if not there yet)."""
    import asyncpg

    from backend.core.db import dispose_engine, utcnow
    from backend.reports.store import CODE_ALPHABET

    have, categories, pairs = await migrated(url)
    await dispose_engine()
    if have >= total:
        return {"inserted": 0, "seconds": 0.0}
    rng = random.Random(16)
    now = utcnow()
    span_minutes = YEARS * 365 * 24 * 60
    t0 = time.perf_counter()
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        next_id = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM reports")) + 1
        for start in range(have, total, 50_000):
            reports, events = [], []
            for index in range(start, min(start + 50_000, total)):
                rid, next_id = next_id, next_id + 1
                agency_id, area_id, lat, lon = rng.choice(pairs)
                created = now - timedelta(minutes=int(span_minutes * rng.random() ** 1.3))
                (guess_id, guess), (other_id, other) = rng.sample(categories, 2)
                kind = rng.choices(["nlu", "staff", "citizen"], [88, 5, 7])[0]
                confidence = round(rng.uniform(0.3, 1), 2)
                data: dict[str, Any]
                if kind == "nlu":
                    data = {"category": guess, "confidence": confidence, "source": "nlu"}
                    category_id, source = guess_id, "nlu"
                elif kind == "staff":
                    data = {"category": other, "confidence": 1.0, "source": "staff"}
                    category_id, source = other_id, "staff"
                else:
                    pick_id, pick = (guess_id, guess) if rng.random() < 0.6 else (other_id, other)
                    data = {"category": pick, "confidence": 1.0, "source": "citizen",
                            "nlu": {"category": guess, "confidence": confidence}}
                    category_id, source = pick_id, "citizen"
                events.append((rid, created, "system", "Hệ thống", "create", None, "new", True, json.dumps(data)))
                if kind == "nlu" and rng.random() < 0.08:
                    fixed_id, fixed = rng.choice([c for c in categories if c[0] != guess_id])
                    events.append((rid, created + timedelta(hours=rng.uniform(0.2, 30)), "staff", "Giám sát",
                                   "recategorize", None, None, False, json.dumps({"from": guess, "to": fixed})))
                    category_id, source = fixed_id, "staff"
                digits, n = "", index
                for _ in range(7):
                    n, rest = divmod(n, len(CODE_ALPHABET))
                    digits = CODE_ALPHABET[rest] + digits
                status = "new" if created > now - timedelta(days=2) and rng.random() < 0.3 else \
                    rng.choices(["assigned", "in_progress", "resolved", "closed", "rejected"], [5, 5, 20, 65, 5])[0]
                reports.append((rid, "PA-Q" + digits, rng.choice(TEXTS), category_id, confidence, source, False,
                                lat + rng.uniform(-.02, .02), lon + rng.uniform(-.02, .02), area_id, agency_id,
                                status, "normal", created + timedelta(days=3),
                                rng.choice(["zalo", "telegram", "web"]) if source != "staff" else "hotline",
                                created, created, None, 0, 0))
            await conn.copy_records_to_table("reports", records=reports, columns=[
                "id", "code", "description", "category_id", "category_confidence", "category_source",
                "category_unsure", "latitude", "longitude", "area_id", "agency_id", "status", "priority", "due_at",
                "channel", "updated_at", "created_at", "resolved_at", "supporters_count", "reopen_count"])
            await conn.copy_records_to_table("report_events", records=events, columns=[
                "report_id", "at", "actor_kind", "actor_label", "action", "from_status", "to_status", "public",
                "data"])
        await conn.execute("SELECT setval('reports_id_seq', (SELECT max(id) FROM reports))")
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()
    return {"inserted": total - have, "seconds": round(time.perf_counter() - t0, 1)}


async def time_windows() -> dict[str, Any]:
    from backend.core.config import get_settings
    from backend.core.db import dispose_engine, read_scope, utcnow
    from backend.reports.classifier_quality import quality, window
    from backend.reports.corrections import list_corrections

    zone = ZoneInfo(get_settings().timezone)
    out: dict[str, Any] = {}
    try:
        for days in WINDOWS:
            since, until = window(days, utcnow(), zone)
            q_ms, c_ms = [], []
            figures, found = None, []
            for _ in range(RUNS):
                async with read_scope() as session:
                    t0 = time.perf_counter()
                    figures = await quality(session=session, since=since, until=until, zone=zone)
                    q_ms.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()
                    await list_corrections(session=session, since=since, until=until, newest=50)
                    c_ms.append((time.perf_counter() - t0) * 1000)
            async with read_scope() as session:  # the download's list: every correction of the window, once
                t0 = time.perf_counter()
                found = await list_corrections(session=session, since=since, until=until)
                all_ms = (time.perf_counter() - t0) * 1000
            assert figures is not None
            out[f"{days}d"] = {
                "filed": figures.filed, "labelled": figures.total.labelled, "corrected": figures.total.corrected,
                "right_first_time": round(figures.total.right_first_time or 0, 3), "corrections": len(found),
                "quality_p50_ms": round(statistics.median(q_ms), 1), "quality_max_ms": round(max(q_ms), 1),
                "newest50_p50_ms": round(statistics.median(c_ms), 1), "newest50_max_ms": round(max(c_ms), 1),
                "all_corrections_ms": round(all_ms, 1),
            }
    finally:
        await dispose_engine()
    return out


async def run(console: Any = None, pg_url: str | None = None) -> dict[str, Any]:
    with database("bench_nlu_quality", pg_url) as url:
        filled = await fill(url)
        load_before = round(os.getloadavg()[0], 1)
        windows = await time_windows()
    result = {"reports": TOTAL, "fill": filled, "windows": windows, "runs": RUNS,
              "load_average": [load_before, round(os.getloadavg()[0], 1)]}
    if console is not None:
        from rich.table import Table

        table = Table(title=f"/admin/manage/nlu's queries at {TOTAL:,} reports (PostgreSQL, {RUNS} runs each)")
        for col in ("window", "filed", "labelled", "corrected", "right 1st", "quality ms", "latest 50 ms",
                    "download list"):
            table.add_column(col, justify="left" if col == "window" else "right")
        for name, w in windows.items():
            table.add_row(name, f"{w['filed']:,}", f"{w['labelled']:,}", f"{w['corrected']:,}",
                          f"{w['right_first_time']:.1%}", f"{w['quality_p50_ms']:.0f} / {w['quality_max_ms']:.0f}",
                          f"{w['newest50_p50_ms']:.0f} / {w['newest50_max_ms']:.0f}",
                          f"{w['corrections']:,} in {w['all_corrections_ms']:.0f}")
        console.print(table)
        console.print("quality ms, latest 50 ms: p50 / max over the runs (what /admin/manage/nlu reads); "
                      "download list: every correction of the window (what the CSV/XLSX reads), one run")
        console.print(f"fill: {filled}; load average {load_before} before the queries, "
                      f"{os.getloadavg()[0]:.1f} after")
    return result


if __name__ == "__main__":
    from rich.console import Console

    print(asyncio.run(run(Console())))
