"""Page analysis (parse, keywords, change against the baseline) in a separate, niced process:
pure-Python HTML parsing of hundreds of pages a minute must not take the checking process's
event loop from its probes (their timings) nor, with SITE_CHECKER=scheduler, the web process's.
One worker; the checks wait for it, the web requests do not.

Most pages are the same from one check to the next: the analysis of a site's last body is kept
(by the body's hash, the keywords and the baseline's hash, so the answer is the same as parsing
again), and a page that did not change is not parsed again."""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from backend.monitoring.sites import content as page

_pool: ProcessPoolExecutor | None = None
_pid: int | None = None
CACHE_SITES = 5000  # sites whose last analysis is kept (one entry each)
_cache: OrderedDict[int, tuple[tuple[str, tuple[str, ...], str | None], Analysis]] = OrderedDict()
stats = {"parsed": 0, "cached": 0}


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


def _cache_key(body: str, keywords: list[str], baseline: Baseline | None) -> tuple[str, tuple[str, ...], str | None]:
    digest = hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return digest, tuple(keywords), baseline.content_hash if baseline is not None else None


async def run(body: str, keywords: list[str], baseline: Baseline | None, site_id: int | None = None) -> Analysis:
    """The analysis of `body`; for a site (`site_id`) whose page, keywords and baseline are as at
    its last check, the last answer without parsing again."""
    key = _cache_key(body, keywords, baseline) if site_id is not None else None
    if site_id is not None:
        hit = _cache.get(site_id)
        if hit is not None and hit[0] == key:
            _cache.move_to_end(site_id)
            stats["cached"] += 1
            return hit[1]
    try:
        found = await asyncio.get_running_loop().run_in_executor(_executor(), analyse, body, keywords, baseline)
    except (OSError, RuntimeError):  # no process could be started (a locked-down host): do it here
        found = await asyncio.to_thread(analyse, body, keywords, baseline)
    stats["parsed"] += 1
    if site_id is not None and key is not None:
        _cache[site_id] = (key, found)
        _cache.move_to_end(site_id)
        while len(_cache) > CACHE_SITES:
            _cache.popitem(last=False)
    return found


def forget(site_id: int | None = None) -> None:
    """Drop the kept analyses (of one site, or all)."""
    if site_id is None:
        _cache.clear()
    else:
        _cache.pop(site_id, None)


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
