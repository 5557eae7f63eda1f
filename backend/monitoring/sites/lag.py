"""The checker's own scheduling delay (event-loop lag), measured beside every check.

A response time is measured on the checker's event loop: when the loop is late (the checker's
CPU busy with other checks, or the machine saturated and the niced checker waiting for the web
process), the time measured is longer than the site took. A sampler wakes every SAMPLE_S and
notes how late it woke; a check records the worst lag seen while it ran (`SiteCheck.checker_lag_ms`),
and slowness is judged on the response time less that lag, so a slow site is not blamed for a
busy checker."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from types import TracebackType

SAMPLE_S = 0.1
KEEP = 600  # samples kept (a minute)


class LagMeter:
    """`async with LagMeter() as lag:` samples the running loop's lag until the block ends."""

    def __init__(self, sample_s: float = SAMPLE_S) -> None:
        self.sample_s = sample_s
        self._samples: deque[tuple[float, float]] = deque(maxlen=KEEP)  # (woke at, late by seconds)
        self._task: asyncio.Task[None] | None = None
        self.worst_s = 0.0

    async def _sample(self) -> None:
        while True:
            expected = time.monotonic() + self.sample_s
            await asyncio.sleep(self.sample_s)
            woke = time.monotonic()
            late = max(woke - expected, 0.0)
            self._samples.append((woke, late))
            self.worst_s = max(self.worst_s, late)

    def since(self, started: float) -> int:
        """The worst lag (ms) seen since `started` (time.monotonic()), counting the wait until now."""
        now = time.monotonic()
        worst = 0.0
        for woke, late in reversed(self._samples):
            if woke < started:
                break
            worst = max(worst, late)
        if self._samples:  # the sampler is itself late right now (it has not woken yet)
            worst = max(worst, now - self._samples[-1][0] - self.sample_s)
        return int(max(worst, 0.0) * 1000)

    async def __aenter__(self) -> LagMeter:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object | TracebackType | None) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
