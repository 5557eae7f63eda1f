"""Rate limits: a token bucket per (bucket name, key), e.g. ("lookup", client address) or
("open311", API key name). `limit` requests a minute on average, bursts up to `limit`.

Buckets live in this process's memory, or in Redis when REDIS_URL is set (then every web worker
shares them: fixed one-minute windows, INCR + EXPIRE). Memory is bounded: the oldest buckets are
dropped past MAX_KEYS (a full bucket and a forgotten one behave the same)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from backend.core.config import get_settings
from backend.core.errors import TooManyRequests
from backend.core.logging import get_logger

log = get_logger(__name__)
MAX_KEYS = 50_000
TOO_MANY = "Quá nhiều yêu cầu. Vui lòng thử lại sau {wait} giây."

_buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()  # -> (tokens, at)
_redis: Any = None


def _memory_take(name: str, key: str, limit: int, cost: int, now: float) -> float | None:
    rate = limit / 60.0
    tokens, at = _buckets.pop((name, key), (float(limit), now))
    tokens = min(float(limit), tokens + (now - at) * rate)
    if cost > limit:
        _buckets[(name, key)] = (tokens, now)
        return 60.0
    if tokens < cost:
        _buckets[(name, key)] = (tokens, now)
        return (cost - tokens) / rate
    _buckets[(name, key)] = (tokens - cost, now)
    while len(_buckets) > MAX_KEYS:
        _buckets.popitem(last=False)
    return None


async def _redis_take(url: str, name: str, key: str, limit: int, cost: int, now: float) -> float | None:
    global _redis
    if _redis is None:
        import redis.asyncio as redis_asyncio

        _redis = redis_asyncio.from_url(url)
    window = int(now // 60)
    slot = f"phananh:rl:{name}:{key}:{window}"
    used = int(await _redis.incrby(slot, cost))
    if used == cost:
        await _redis.expire(slot, 120)
    return None if used <= limit else 60 - (now % 60)


async def take(name: str, key: str, limit: int, cost: int = 1) -> float | None:
    """Spend `cost` from the bucket: None when allowed, else the seconds until it would be."""
    now = time.monotonic()
    url = get_settings().redis_url
    if url:
        try:
            return await _redis_take(url, name, key, limit, cost, time.time())
        except Exception as exc:  # Redis down: fall back to this process's buckets, never fail open wide
            log.warning("rate limit: redis unavailable, using memory", error=str(exc))
    return _memory_take(name, key, limit, cost, now)


async def check(name: str, key: str, limit: int, cost: int = 1) -> None:
    """`take`, raising TooManyRequests (429 with Retry-After at the edge) when over the limit."""
    wait = await take(name, key, limit, cost)
    if wait is not None:
        seconds = max(int(wait + 0.999), 1)
        log.info("rate limited", bucket=name, key=key[:80], retry_after=seconds)
        raise TooManyRequests(TOO_MANY.format(wait=seconds), retry_after=seconds)


def reset() -> None:
    """Forget every bucket (tests)."""
    _buckets.clear()
