"""Page analysis (parse, keywords, change against the baseline) in a separate, niced process:
pure-Python HTML parsing of hundreds of pages a minute must not take the web process's GIL
and event loop from its requests. One worker; the checks wait for it, the web requests do not."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from backend.monitoring.sites import content as page

_pool: ProcessPoolExecutor | None = None
_pid: int | None = None


@dataclass(frozen=True)
class Analysis:
    content: page.Content
    forbidden: list[str]
    change_ratio: float | None


@dataclass(frozen=True)
class Baseline:
    text: str
    structure: str
    content_hash: str
    screenshot: str | None = None


def analyse(body: str, keywords: list[str], baseline: Baseline | None) -> Analysis:
    """In the worker process: the meaningful content, the forbidden keywords found, the change."""
    extracted = page.extract(body)
    ratio = None
    if baseline is not None:
        ratio = 0.0 if extracted.hash == baseline.content_hash else page.change_ratio(
            baseline.text, baseline.structure, extracted.text, extracted.structure)
    return Analysis(extracted, page.forbidden_found(extracted.all_text, keywords), ratio)


def _lower_priority() -> None:
    os.nice(5)


def _executor() -> ProcessPoolExecutor:
    global _pool, _pid
    if _pool is None or _pid != os.getpid():  # a forked child builds its own
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_lower_priority)
        _pid = os.getpid()
    return _pool


async def run(body: str, keywords: list[str], baseline: Baseline | None) -> Analysis:
    try:
        return await asyncio.get_running_loop().run_in_executor(_executor(), analyse, body, keywords, baseline)
    except (OSError, RuntimeError):  # no process could be started (a locked-down host): do it here
        return await asyncio.to_thread(analyse, body, keywords, baseline)


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
