"""Sign-in throttling by client address and account together (never an account lockout).

Each (address, typed username) pair may fail ADMIN_LOGIN_MAX_FAILURES times freely; then every
further failure doubles the wait (30 s, 1 min, 2 min … up to ADMIN_LOCKOUT_MINUTES), during which
that pair gets 429 with Retry-After, even with the right password. A correct password from
another address is never affected, so strangers cannot lock the real user out. An address failing
over many accounts (password spraying) is held the same way on its own key ("ip|*") after ten
times as many failures. The count is the same whether the account exists or not: the answers
tell nothing about which accounts exist. Failures older than the cap are forgotten."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.core.db import dialect_insert, utcnow
from backend.core.errors import TooManyRequests
from backend.staff.models import LoginThrottle

FIRST_WAIT_S = 30
SPRAY_FACTOR = 10  # an address alone: this many times the per-account allowance
THROTTLED = "Đăng nhập sai nhiều lần. Vui lòng thử lại sau {wait}."


def _keys(ip: str | None, username: str) -> tuple[str, str]:
    address = (ip or "unknown")[:64]
    return f"{address}|{username.strip().lower()[:120]}", f"{address}|*"


def _wait_text(seconds: int) -> str:
    return f"{seconds} giây" if seconds < 120 else f"{(seconds + 59) // 60} phút"


def _raise(until: datetime, now: datetime) -> None:
    seconds = max(int((until - now).total_seconds() + 0.999), 1)
    raise TooManyRequests(THROTTLED.format(wait=_wait_text(seconds)), retry_after=seconds)


async def check(*, session: AsyncSession, ip: str | None, username: str, now: datetime | None = None) -> None:
    """Raise TooManyRequests while this address is held for this account (or for all)."""
    now = now or utcnow()
    rows = (await session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(_keys(ip, username))))).all()
    held = [r.blocked_until for r in rows if r.blocked_until is not None and r.blocked_until > now]
    if held:
        _raise(max(held), now)


async def failed(*, session: AsyncSession, ip: str | None, username: str, now: datetime | None = None) -> int | None:
    """Count a failure; the wait in seconds when the pair (or the address) is now held, else None."""
    settings = get_settings()
    now = now or utcnow()
    cap = timedelta(minutes=settings.admin_lockout_minutes)
    pair, address = _keys(ip, username)
    conn = await session.connection()
    await conn.execute(dialect_insert(conn.dialect.name, LoginThrottle).values(
        [{"key": k, "failures": 0, "updated_at": now} for k in (pair, address)]
    ).on_conflict_do_nothing(index_elements=["key"]))
    rows = (await session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_((pair, address)))
                                  .with_for_update().execution_options(populate_existing=True))).all()
    wait: int | None = None
    for row in rows:
        if row.updated_at < now - cap:  # an old streak is forgotten
            row.failures = 0
        row.failures += 1
        row.updated_at = now
        allowance = settings.admin_login_max_failures * (SPRAY_FACTOR if row.key == address else 1)
        if row.failures >= allowance:
            seconds = min(FIRST_WAIT_S * 2 ** (row.failures - allowance), int(cap.total_seconds()))
            row.blocked_until = now + timedelta(seconds=seconds)
            wait = max(wait or 0, seconds)
    return wait


async def succeeded(*, session: AsyncSession, ip: str | None, username: str) -> None:
    await session.execute(delete(LoginThrottle).where(LoginThrottle.key == _keys(ip, username)[0]))


async def prune(*, session: AsyncSession, now: datetime | None = None) -> int:
    """Rows whose streak is over (older than the cap and not holding anyone)."""
    now = now or utcnow()
    old = now - timedelta(minutes=get_settings().admin_lockout_minutes)
    result = await session.execute(delete(LoginThrottle).where(
        LoginThrottle.updated_at < old, (LoginThrottle.blocked_until.is_(None)) | (LoginThrottle.blocked_until < now)))
    return int(result.rowcount or 0)
