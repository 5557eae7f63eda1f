"""Indicators benchmark: importing a 50,000-row file (XLSX made with openpyxl, and CSV with a
BOM and `;`): seconds and peak Python memory; then the series query (one indicator for one area,
its last two years with yoy, cumulative and target) p50/p95 over 1,000,000 observations, on
SQLite and on a real PostgreSQL (backend/testing/pgserver.py).

    .venv/bin/python -m bench.indicators            # BENCH_OBSERVATIONS=1000000, BENCH_IMPORT_ROWS=50000
"""

from __future__ import annotations

import asyncio
import io
import os
import random
import statistics
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

N_IMPORT = int(os.environ.get("BENCH_IMPORT_ROWS", "50000"))
N_OBSERVATIONS = int(os.environ.get("BENCH_OBSERVATIONS", "1000000"))
QUERIES = int(os.environ.get("BENCH_SERIES_QUERIES", "300"))
TODAY = date(2026, 12, 1)


def _use(url: str, var_dir: Path) -> None:
    from backend.core.config import get_settings

    os.environ.update({"DATABASE_URL": url, "MEDIA_DIR": str(var_dir / "media"), "SCHEDULER_ENABLED": "false",
                       "ENVIRONMENT": "development"})
    get_settings.cache_clear()


async def _prepare(url: str) -> None:
    from backend.catalog.loader import load_reference
    from backend.core.config import get_settings
    from backend.core.db import dispose_engine, session_scope
    from backend.core.migrate import upgrade
    from backend.monitoring.indicators.registry import load_registry

    await dispose_engine()
    await upgrade(url)
    async with session_scope() as session:
        await load_reference(session=session, data_dir=get_settings().data_dir)
        await load_registry(session=session, data_dir=get_settings().data_dir)


async def _import_rows(n: int) -> list[list[Any]]:
    """Commune-level rows as a province would send them: yearly crop figures for every commune
    over the years, and monthly new enterprises per commune."""
    from sqlalchemy import select

    from backend.catalog.models import Area
    from backend.core.db import session_scope
    from backend.monitoring.indicators.models import Indicator

    async with session_scope() as session:
        areas = list((await session.scalars(select(Area.code).where(Area.kind != "province"))).all())
        yearly = list((await session.scalars(select(Indicator).where(Indicator.frequency == "year"))).all())
    rows: list[list[Any]] = []
    rng = random.Random(3)
    for year in range(2025, 1999, -1):
        for indicator in yearly:
            if "commune" not in indicator.levels:
                continue
            high = min(indicator.max_value or 1000, 5000)
            rows.extend([indicator.code, area, str(year), round(rng.uniform(0, high), 1), "official"] for area in areas)
    for year in range(2025, 2009, -1):
        for month in range(1, 13):
            rows.extend(["NEW_ENTERPRISES", area, f"{year}-{month:02d}", rng.randint(0, 40), "official"]
                        for area in areas)
    return rows[:n]


def _xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Số liệu")
    sheet.append(["indicator", "area", "period", "value", "status"])
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _csv(rows: list[list[Any]]) -> bytes:
    lines = ["indicator;area;period;value;status"]
    lines.extend(";".join(str(v).replace(".", ",") if isinstance(v, float) else str(v) for v in row) for row in rows)
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


async def _clear() -> None:
    from sqlalchemy import delete

    from backend.core.db import session_scope
    from backend.monitoring.indicators.models import ImportBatch, Observation, ObservationRevision

    async with session_scope() as session:
        for model in (ObservationRevision, Observation, ImportBatch):
            await session.execute(delete(model))


async def _import_once(name: str, data: bytes, trace: bool) -> tuple[float, float, int]:
    from backend.core.db import session_scope
    from backend.monitoring.indicators.importer import import_file

    await _clear()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    async with session_scope() as session:
        result = await import_file(session=session, filename=name, data=data, username="bench", today=TODAY)
    seconds = time.perf_counter() - started
    peak = 0.0
    if trace:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, peak, result.created


async def bench_import(rows: list[list[Any]]) -> dict[str, dict[str, float]]:
    out = {}
    for label, name, data in (("xlsx", "bench.xlsx", _xlsx(rows)), ("csv", "bench.csv", _csv(rows))):
        seconds, _, created = await _import_once(name, data, trace=False)
        _, peak, _ = await _import_once(name, data, trace=True)  # tracemalloc slows it: a second run
        out[label] = {"rows": created, "file_mb": round(len(data) / 2**20, 2), "seconds": round(seconds, 2),
                      "rows_per_s": round(created / seconds), "peak_mb": round(peak, 1)}
    return out


async def _fill(total: int) -> tuple[list[tuple[str, str]], int]:
    """`total` observations straight into the table (the import's checks are measured above):
    every indicator × every area × consecutive months back from 2026-11."""
    from sqlalchemy import insert, select

    from backend.catalog.models import Area
    from backend.core.db import session_scope
    from backend.monitoring.indicators.models import Indicator, Observation

    await _clear()
    async with session_scope() as session:
        areas = list((await session.execute(select(Area.id, Area.code))).all())
        indicators = list((await session.execute(select(Indicator.id, Indicator.code)
                                                 .where(Indicator.frequency == "month"))).all())
    months = max(total // (len(areas) * len(indicators)), 1)
    index0 = 2026 * 12 + 10
    written = 0
    batch: list[dict[str, Any]] = []
    rng = random.Random(5)
    for indicator_id, _ in indicators:
        for area_id, _ in areas:
            for back in range(months):
                year, month0 = divmod(index0 - back, 12)
                batch.append({"indicator_id": indicator_id, "area_id": area_id, "period": f"{year}-{month0 + 1:02d}",
                              "period_start": date(year, month0 + 1, 1), "months": 1,
                              "value": rng.uniform(1, 1000), "status": "official", "updated_by": "bench"})
                if len(batch) == 20000:
                    async with session_scope() as session:
                        await session.execute(insert(Observation), batch)
                    written += len(batch)
                    batch = []
    if batch:
        async with session_scope() as session:
            await session.execute(insert(Observation), batch)
        written += len(batch)
    pairs = [(i_code, a_code) for _, i_code in indicators for _, a_code in areas]
    return pairs, written


async def bench_series(total: int) -> dict[str, float]:
    from backend.core.db import session_scope
    from backend.monitoring.indicators import service

    started = time.perf_counter()
    pairs, written = await _fill(total)
    fill_s = time.perf_counter() - started
    rng = random.Random(9)
    times = []
    for _ in range(QUERIES):
        code, area = rng.choice(pairs)
        t0 = time.perf_counter()
        async with session_scope() as session:
            _, _, points = await service.series(session=session, code=code, area=area, start="2025-01")
        times.append((time.perf_counter() - t0) * 1000)
        assert points
    times.sort()
    return {"observations": written, "fill_s": round(fill_s, 1), "queries": QUERIES,
            "p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1)}


async def _on(url: str, var_dir: Path) -> dict[str, Any]:
    from backend.core.db import dispose_engine

    _use(url, var_dir)
    await _prepare(url)
    rows = await _import_rows(N_IMPORT)
    imports = await bench_import(rows)
    series = await bench_series(N_OBSERVATIONS)
    await dispose_engine()
    return {"import": imports, "series": series}


def run(console: Console | None = None) -> dict[str, Any]:
    from backend.testing import pgserver

    console = console or Console(width=160)
    var_dir = Path(tempfile.mkdtemp(prefix="phananh-bench-indicators-"))
    server = pgserver.start()
    results: dict[str, Any] = {}
    try:
        for label, url in (("sqlite", f"sqlite+aiosqlite:///{var_dir / 'indicators.db'}"),
                           ("postgresql", server.createdb("bench_indicators"))):
            console.print(f"indicators bench on {label} …")
            results[label] = asyncio.run(_on(url, var_dir))
    finally:
        server.stop()
    table = Table(title=f"Indicators: import of {N_IMPORT:,} rows, series query at {N_OBSERVATIONS:,} observations")
    for column in ("database", "import xlsx s", "xlsx rows/s", "xlsx peak MB", "import csv s", "csv rows/s",
                   "csv peak MB", "fill s", "series p50 ms", "series p95 ms"):
        table.add_column(column, justify="right")
    for label, figures in results.items():
        x, c, s = figures["import"]["xlsx"], figures["import"]["csv"], figures["series"]
        table.add_row(label, str(x["seconds"]), str(x["rows_per_s"]), str(x["peak_mb"]), str(c["seconds"]),
                      str(c["rows_per_s"]), str(c["peak_mb"]), str(s["fill_s"]), str(s["p50_ms"]), str(s["p95_ms"]))
    console.print(table)
    return results


if __name__ == "__main__":
    run()
