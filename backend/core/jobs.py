"""The job registry: each domain declares its scheduled jobs in its own `scheduled.py` as
`JOBS: list[Job]`; edges (the bots) register theirs at start-up with `register()`.
`backend/scheduler.py` runs whatever is registered (leader lease, intervals, `phananh jobs`).

A job is a plain async function taking an injectable `now` (tests control the clock), idempotent
(a rerun finds nothing left to do), returning a dict of what it did (logged)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

JobFunc = Callable[..., Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Job:
    name: str  # kebab-case, the name `phananh jobs run NAME` takes
    func: JobFunc  # async def job(now: datetime | None = None) -> dict
    seconds: int  # interval
    schedule_text: str  # e.g. "mỗi 5 phút" (shown by `phananh jobs list`)
    doc: str  # one line, Vietnamese


_REGISTRY: dict[str, Job] = {}


def register(*jobs: Job | Iterable[Job]) -> None:
    """Add jobs (or lists of jobs); registering the same name again replaces it (idempotent)."""
    for item in jobs:
        for job in [item] if isinstance(item, Job) else item:
            _REGISTRY[job.name] = job


def registered() -> list[Job]:
    return list(_REGISTRY.values())


def get(name: str) -> Job | None:
    return _REGISTRY.get(name)


__all__ = ["Job", "JobFunc", "datetime", "get", "register", "registered"]
