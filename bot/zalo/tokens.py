"""The OA token pair, stored in the database.

Seeded from ZALO_ACCESS_TOKEN / ZALO_REFRESH_TOKEN on first use, refreshed ahead of expiry. The
refresh token is single-use, so exactly one refresh may run at a time across processes (row lock
FOR UPDATE on PostgreSQL; an asyncio lock plus a lease taken by conditional update on SQLite) and
the new pair is committed before anybody uses it. Losing it locks the OA out: errors are loud.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.core.db import get_sessionmaker, utcnow
from bot.zalo.models import ZaloToken

log = logging.getLogger(__name__)

ROW_ID = 1
ACCESS_LIFETIME = timedelta(hours=25)
REFRESH_AHEAD = timedelta(hours=2)
LEASE = timedelta(seconds=60)
_lock = asyncio.Lock()
CACHE_SECONDS = 60.0
_cache: dict[str, Any] = {}  # {"token", "expires_at", "at"}: saves a database read per message


class TokenError(Exception):
    """No usable token: Zalo not configured, or a refresh failed (a person must look)."""


def configured() -> bool:
    s = get_settings()
    return bool(s.zalo_app_id and (s.zalo_access_token or s.zalo_refresh_token))


async def _row(session: AsyncSession, *, lock: bool = False) -> ZaloToken | None:
    stmt = select(ZaloToken).where(ZaloToken.id == ROW_ID)
    if lock:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def _seed(session: AsyncSession) -> ZaloToken:
    s = get_settings()
    if not (s.zalo_access_token or s.zalo_refresh_token):
        raise TokenError("Zalo OA tokens are not configured (ZALO_ACCESS_TOKEN / ZALO_REFRESH_TOKEN)")
    row = ZaloToken(id=ROW_ID, access_token=s.zalo_access_token or "", refresh_token=s.zalo_refresh_token or "",
                    # Unknown age: assume it is fresh unless there is none, the scheduler refreshes it in time.
                    expires_at=utcnow() + (ACCESS_LIFETIME - REFRESH_AHEAD * 2 if s.zalo_access_token
                                           else timedelta(0)),
                    version=1, source="env", updated_at=utcnow())
    session.add(row)
    await session.flush()
    return row


async def current(session: AsyncSession | None = None) -> ZaloToken:
    """The stored pair (seeded from env the first time)."""
    if session is None:
        async with get_sessionmaker()() as own:
            row = await current(own)
            await own.commit()
            return row
    row = await _row(session)
    if row is None:
        try:
            async with session.begin_nested():
                row = await _seed(session)
        except Exception:  # another process seeded it first
            row = await _row(session)
            if row is None:
                raise
    return row


async def access_token() -> str:
    """A valid access token, refreshing first when it is about to expire."""
    if _cache and time.monotonic() - _cache["at"] < CACHE_SECONDS \
            and _cache["expires_at"] - utcnow() > timedelta(minutes=5):
        return str(_cache["token"])
    row = await current()
    if not row.access_token or row.expires_at - utcnow() < timedelta(minutes=5):
        await refresh_if_needed(force=True, stale=row.access_token)
        row = await current()
    if not row.access_token:
        raise TokenError("no Zalo access token")
    _cache.update(token=row.access_token, expires_at=row.expires_at, at=time.monotonic())
    return row.access_token


async def _call_oauth(refresh_token: str) -> dict[str, Any]:
    s = get_settings()
    url = s.zalo_oauth_base.rstrip("/") + "/v4/oa/access_token"
    async with httpx.AsyncClient(timeout=15) as client:
        resp = await client.post(
            url, headers={"secret_key": s.zalo_app_secret or ""},
            data={"app_id": s.zalo_app_id or "", "grant_type": "refresh_token", "refresh_token": refresh_token},
        )
    try:
        body = resp.json()
    except ValueError as exc:
        raise TokenError(f"OAuth answered HTTP {resp.status_code} without JSON") from exc
    if resp.status_code >= 400 or not body.get("access_token") or not body.get("refresh_token"):
        raise TokenError(f"OAuth refresh refused: HTTP {resp.status_code} {body}")
    return body


def _apply(row: ZaloToken, body: dict[str, Any]) -> None:
    row.access_token = body["access_token"]
    row.refresh_token = body["refresh_token"]
    row.expires_at = utcnow() + timedelta(seconds=int(body.get("expires_in") or ACCESS_LIFETIME.total_seconds()))
    row.version += 1
    row.source = "refresh"
    row.last_error = None
    row.refreshing_until = None
    row.updated_at = utcnow()


def _due(row: ZaloToken, force: bool, stale: str | None) -> bool:
    if force:
        # On -216 the caller passes the token that failed: refresh only if nobody has since.
        return stale is None or row.access_token == stale
    return row.expires_at - utcnow() < REFRESH_AHEAD


async def refresh_if_needed(*, force: bool = False, stale: str | None = None) -> dict[str, Any]:
    """Refresh the pair when close to expiry (or forced after -216/-220); one refresh at a time."""
    if not configured():
        return {"refreshed": False, "reason": "zalo not configured"}
    _cache.clear()
    async with _lock:
        await current()
        if get_settings().is_sqlite:
            return await _refresh_sqlite(force, stale)
        return await _refresh_locked_row(force, stale)


async def _refresh_locked_row(force: bool, stale: str | None) -> dict[str, Any]:
    async with get_sessionmaker()() as session:
        row = await _row(session, lock=True)  # other processes wait here, then see the new pair
        assert row is not None
        if not _due(row, force, stale):
            expires = row.expires_at.isoformat()
            await session.rollback()
            return {"refreshed": False, "expires_at": expires}
        try:
            body = await _call_oauth(row.refresh_token)
        except (TokenError, httpx.HTTPError) as exc:
            await session.rollback()
            await _record_error(exc)
            raise TokenError(str(exc)) from exc
        _apply(row, body)
        expires = row.expires_at.isoformat()
        await session.commit()
    log.info("zalo tokens refreshed, valid until %s", expires)
    return {"refreshed": True, "expires_at": expires}


async def _refresh_sqlite(force: bool, stale: str | None) -> dict[str, Any]:
    now = utcnow()
    async with get_sessionmaker()() as session:
        row = await _row(session)
        assert row is not None
        if not _due(row, force, stale):
            return {"refreshed": False, "expires_at": row.expires_at.isoformat()}
        taken = await session.execute(
            update(ZaloToken)
            .where(ZaloToken.id == ROW_ID, ZaloToken.version == row.version,
                   (ZaloToken.refreshing_until.is_(None)) | (ZaloToken.refreshing_until < now))
            .values(refreshing_until=now + LEASE)
        )
        await session.commit()
        if taken.rowcount != 1:  # another process holds the lease or has just refreshed
            return {"refreshed": False, "reason": "another process is refreshing"}
        refresh_token = row.refresh_token
    try:
        body = await _call_oauth(refresh_token)
    except (TokenError, httpx.HTTPError) as exc:
        await _record_error(exc)
        raise TokenError(str(exc)) from exc
    async with get_sessionmaker()() as session:
        row = await _row(session)
        assert row is not None
        _apply(row, body)
        expires = row.expires_at.isoformat()
        await session.commit()
    log.info("zalo tokens refreshed, valid until %s", expires)
    return {"refreshed": True, "expires_at": expires}


async def _record_error(exc: BaseException) -> None:
    log.critical("ZALO TOKEN REFRESH FAILED: %s. Re-authorize the OA if this persists.", exc)
    async with get_sessionmaker()() as session:
        await session.execute(
            update(ZaloToken).where(ZaloToken.id == ROW_ID).values(last_error=str(exc)[:2000], refreshing_until=None)
        )
        await session.commit()
