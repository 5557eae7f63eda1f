"""Open311 API keys: made by an admin (`phananh apikey add NAME`, or the staff site's
"Khóa API" page), shown once, stored as a SHA-256, revocable; every POST needs one, and each key
has its own rate limit (OPEN311_KEY_PER_MINUTE)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import ratelimit
from backend.core.config import get_settings
from backend.core.db import utcnow
from backend.core.errors import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from backend.open311.models import ApiKey

PREFIX = "pa311_"
MISSING = "Thiếu api_key: mỗi yêu cầu gửi phản ánh cần một khóa API do quản trị viên cấp"
INVALID = "api_key không hợp lệ hoặc đã bị thu hồi"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def issue(*, session: AsyncSession, name: str, created_by: str = "") -> tuple[ApiKey, str]:
    """A new key for an integrator: (the row, the key itself — shown once, never stored)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValidationFailed("Tên khóa cần từ 1 đến 64 ký tự", field="name")
    if await session.scalar(select(ApiKey.id).where(ApiKey.name == name)):
        raise Conflict(f"Đã có khóa tên {name}")
    key = PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, key_hash=_digest(key), prefix=key[: len(PREFIX) + 4], created_by=created_by[:64])
    session.add(row)
    await session.flush()
    return row, key


async def list_keys(*, session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.name))).all()


async def revoke(*, session: AsyncSession, name: str) -> ApiKey:
    row = await session.scalar(select(ApiKey).where(ApiKey.name == name))
    if row is None:
        raise NotFound(f"Không có khóa tên {name}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


async def authorize(*, session: AsyncSession, key: str | None) -> ApiKey:
    """The active key, after spending one request of its rate limit; AuthenticationFailed when
    missing, unknown or revoked, TooManyRequests over the limit."""
    if not key:
        raise AuthenticationFailed(MISSING, field="api_key")
    row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == _digest(key.strip()[:200])))
    if row is None or row.revoked_at is not None:
        raise AuthenticationFailed(INVALID, field="api_key")
    await ratelimit.check("open311-key", row.name, get_settings().open311_key_per_minute)
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
    return row
