"""Benchmark of the offline gazetteer: `python -m bench.geo`.

1,000 realistic addresses (new and old names, abbreviations, no diacritics, house numbers, other
provinces) through `geocode`, and 1,000 points across and around the province through `locate`.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from backend.core.text import fold
from backend.geo.gazetteer import Gazetteer, load_yaml

STREETS = ["Lê Duẩn", "Phan Bội Châu", "Nguyễn Tất Thành", "Y Jút", "Hùng Vương", "Mai Hắc Đế", "Trần Phú"]
FOREIGN = ["Quận 1, TP Hồ Chí Minh", "Hoàn Kiếm, Hà Nội", "TP Nha Trang, Khánh Hòa", "Pleiku, Gia Lai"]


def addresses(gazetteer: Gazetteer, n: int, rng: random.Random) -> list[str]:
    out = []
    for i in range(n):
        area = rng.choice(gazetteer.areas)
        name = rng.choice([area.name, *area.aliases])
        house = f"{rng.randint(1, 300)} {rng.choice(STREETS)}, "
        text = [house + name, name, fold(name), house + name + ", Đắk Lắk", rng.choice(FOREIGN)][i % 5]
        out.append(text.replace("Phường ", "P. ").replace("Thành phố ", "TP. ") if i % 7 == 0 else text)
    return out


def _percentiles(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e6)
    q = statistics.quantiles(times, n=100)
    return q[49], q[98]


def run(console: Console | None = None) -> dict[str, float]:
    console = console or Console()
    rng = random.Random(2025)
    build_start = time.perf_counter()
    gazetteer = load_yaml()
    build_ms = (time.perf_counter() - build_start) * 1e3
    queries = addresses(gazetteer, 1000, rng)
    box = gazetteer.province_bbox or (12.0, 107.3, 13.9, 109.6)
    points = [(rng.uniform(box[0] - 0.2, box[2] + 0.2), rng.uniform(box[1] - 0.2, box[3] + 0.2)) for _ in range(1000)]
    q_iter, p_iter = iter(queries), iter(points)
    g50, g99 = _percentiles(lambda: gazetteer.geocode(next(q_iter)), len(queries))
    l50, l99 = _percentiles(lambda: gazetteer.locate(*next(p_iter)), len(points))
    found = sum(gazetteer.geocode(q) is not None for q in queries)
    result = {
        "build_ms": build_ms,
        "geocode_p50_us": g50,
        "geocode_p99_us": g99,
        "locate_p50_us": l50,
        "locate_p99_us": l99,
        "geocode_found": float(found),
    }
    table = Table(title="backend.geo offline gazetteer (1,000 calls each)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("build from data/areas.yaml", f"{build_ms:.1f} ms")
    table.add_row("geocode p50 / p99", f"{g50:.0f} / {g99:.0f} µs")
    table.add_row("locate p50 / p99", f"{l50:.0f} / {l99:.0f} µs")
    table.add_row("addresses placed", f"{found} / {len(queries)} (one in five is another province)")
    console.print(table)
    return result


if __name__ == "__main__":
    run()
