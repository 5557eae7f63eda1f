"""`make bench`: every benchmark in turn, their tables, and all figures in var/bench/results.json.

    python -m bench              # all of them
    python -m bench api geo      # some of them

A benchmark is a module of this package with `run()` (sync or async) returning a dict; it may take
`console` (the shared Rich console) and `pg_url` (a fresh PostgreSQL database of its own). A new
module (bench/NAME.py with `run()`) is found and run after those in FIRST, by name.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import json
import pkgutil
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

FIRST = ["api", "nlu", "geo", "webhook", "admin"]  # the order `make bench` has always printed
ROOT = Path(__file__).resolve().parents[1]


def benches() -> list[str]:
    """FIRST, then every other module of this package, by name."""
    found = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_"))
    return [n for n in FIRST if n in found] + [n for n in found if n not in FIRST]
console = Console(width=160)  # wide tables stay readable in logs


async def _run_one(name: str, pg: Any) -> Any:
    fn = importlib.import_module(f"bench.{name}").run
    params = inspect.signature(fn).parameters
    kwargs: dict[str, Any] = {}
    if "console" in params:
        kwargs["console"] = console
    if "pg_url" in params:
        kwargs["pg_url"] = pg.createdb(f"bench_{name}")
    if inspect.iscoroutinefunction(fn):
        return await fn(**kwargs)
    # Synchronous benches may run their own event loop: give them a thread.
    out = await asyncio.to_thread(fn, **kwargs)
    return await out if inspect.isawaitable(out) else out


async def main(names: list[str]) -> dict[str, Any]:
    from backend.testing import pgserver

    server = pgserver.start()
    results: dict[str, Any] = {}
    try:
        for name in names:
            console.rule(f"[bold]bench.{name}")
            try:
                results[name] = await _run_one(name, server)
            except Exception as exc:  # one bench's failure must not hide the others' figures
                console.print(f"[red]bench.{name} failed: {exc}")
                results[name] = {"error": str(exc)}
    finally:
        server.stop()
    out_path = ROOT / "var" / "bench" / "results.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False))
    console.print(f"Figures saved to {out_path}")
    return results


def cli(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    known = benches()
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run ({', '.join(known)}); "
                        "all when none is given")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in known]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(known)}")
    asyncio.run(main(args.names or known))


if __name__ == "__main__":
    cli(sys.argv[1:])
