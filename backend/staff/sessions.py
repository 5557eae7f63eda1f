"""Staff-site sessions kept on the server.

The `pa_session` cookie holds a random token; the database holds its SHA-256, the account, the
account's `token_version` at sign-in, and an expiry. A session ends when it is deleted (logout,
password change, role change, deactivation: `end_all`) or outdated (the account's token_version
moved on), so a copied cookie is worthless from that moment. The CSRF token of a form is an HMAC
of the session token under SECRET_KEY: bound to that one session, useless without it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.staff.models import StaffSession, User

COOKIE = "pa_session"  # the staff site's session cookie (HttpOnly, SameSite=Lax, Secure on https)
TOUCH_EVERY = timedelta(minutes=5)  # last_seen_at is written at most this often (one write per 5 min)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(token: str) -> str:
    """The CSRF token of the session whose cookie is `token`."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, b"csrf|" + token.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Started:
    token: str  # the cookie's value (never stored)
    expires_at: datetime


async def begin(*, session: AsyncSession, user: User, ip: str | None = None, user_agent: str | None = None) -> Started:
    now = utcnow()
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=get_settings().admin_session_hours)
    session.add(StaffSession(token_hash=_digest(token), user_id=user.id, user_version=user.token_version,
                             created_at=now, expires_at=expires, last_seen_at=now, ip=(ip or "")[:64] or None,
                             user_agent=(user_agent or "")[:300] or None))
    await session.flush()
    return Started(token, expires)


async def user_of(*, session: AsyncSession, token: str | None) -> User | None:
    """The active account of a live session, or None (no such session, expired, ended, outdated)."""
    if not token or len(token) > 200:
        return None
    row = await session.scalar(select(StaffSession).where(StaffSession.token_hash == _digest(token)))
    now = utcnow()
    if row is None or row.expires_at <= now:
        return None
    user = await session.get(User, row.user_id)
    if user is None or not user.active or user.token_version != row.user_version:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
    return user


async def end(*, session: AsyncSession, token: str | None) -> None:
    if token:
        await session.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


async def end_all(*, session: AsyncSession, user_id: int) -> None:
    """Every session of an account (its password, role or active flag changed)."""
    await session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))


async def prune(*, session: AsyncSession, now: datetime | None = None) -> int:
    result = await session.execute(delete(StaffSession).where(StaffSession.expires_at <= (now or utcnow())))
    return int(result.rowcount or 0)
