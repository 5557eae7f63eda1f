"""Staff accounts and authentication (throttled per address and account, never locked out)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.attributes import set_committed_value

from backend.catalog import service as catalog_service
from backend.core.config import get_settings
from backend.core.db import detached, utcnow
from backend.core.errors import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from backend.core.logging import get_logger
from backend.core.security import hash_password, sign, unsign, verify_password
from backend.staff import sessions, throttle
from backend.staff.models import Role, User

log = get_logger(__name__)

TOKEN_PURPOSE = "api-token"


async def create_user(
    *,
    session: AsyncSession,
    username: str,
    password: str,
    role: str,
    agency_code: str | None = None,
    full_name: str = "",
) -> User:
    if role not in set(Role):
        raise ValidationFailed(f"role must be one of: {', '.join(Role)}", field="role")
    if role == Role.officer and not agency_code:
        raise ValidationFailed("an officer belongs to one agency: give --agency CODE", field="agency")
    if len(password) < 8:
        raise ValidationFailed("password must have at least 8 characters", field="password")
    if await session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"user {username} already exists")
    agency = await catalog_service.get_agency(session=session, code=agency_code) if agency_code else None
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        agency_id=agency.id if agency else None,
        full_name=full_name or username,
    )
    session.add(user)
    await session.flush()
    return user


WRONG_LOGIN = "Sai tên đăng nhập hoặc mật khẩu"
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"


async def authenticate(*, session: AsyncSession, username: str, password: str, ip: str | None = None) -> User:
    """The account, or AuthenticationFailed with one message for every failure (unknown name,
    wrong password, deactivated account), or TooManyRequests while this address is held for this
    name (backend/staff/throttle.py). The caller commits even on failure: the count must stay."""
    await throttle.check(session=session, ip=ip, username=username)
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(password, _DUMMY_HASH)  # the same time whether the account exists or not
    if user is None or not verify_password(password, user.password_hash) or not user.active:
        wait = await throttle.failed(session=session, ip=ip, username=username)
        if wait is not None:
            log.warning("login throttled", username=username[:64], ip=ip, retry_after=wait)
        raise AuthenticationFailed(WRONG_LOGIN)
    await throttle.succeeded(session=session, ip=ip, username=username)
    user.last_login_at = utcnow()
    return user


async def change_password(*, session: AsyncSession, user: User, old: str, new: str) -> None:
    if not verify_password(old, user.password_hash):
        raise AuthenticationFailed("Mật khẩu hiện tại không đúng")
    if len(new) < 8:
        raise ValidationFailed("Mật khẩu mới cần ít nhất 8 ký tự", field="password")
    user.password_hash = hash_password(new)
    await _revoke(session, user)


async def set_active(*, session: AsyncSession, user: User, active: bool) -> None:
    user.active = active
    await _revoke(session, user)


async def set_role(*, session: AsyncSession, user: User, role: str, agency_code: str | None = None) -> None:
    if role not in set(Role):
        raise ValidationFailed(f"Vai trò không hợp lệ: {role}", field="role")
    if role == Role.officer and not agency_code:
        raise ValidationFailed("Cán bộ xử lý cần thuộc một đơn vị", field="agency")
    agency = await catalog_service.get_agency(session=session, code=agency_code) if agency_code else None
    user.role = role
    user.agency_id = agency.id if agency else None
    await _revoke(session, user)


async def _revoke(session: AsyncSession, user: User) -> None:
    """End every session and bearer token of the account (its rights or credentials changed)."""
    user.token_version += 1
    await sessions.end_all(session=session, user_id=user.id)


def issue_token(user: User) -> str:
    return sign({"uid": user.id, "v": user.token_version}, purpose=TOKEN_PURPOSE)


# Verified bearer tokens, for a few seconds: the API's hot paths (a hotline desk filing reports)
# then skip a database round trip per request, and on SQLite the write lock is not taken just to
# read the user. A change to any account in this process clears it at once (see _forget below);
# a change made by another process (deactivation, password) takes effect within TOKEN_CACHE_S.
TOKEN_CACHE_S = 5.0
_verified: dict[str, tuple[float, User]] = {}


def _snapshot(user: User) -> User:
    """A detached copy of an account (with its agency) that no session owns, safe to share."""
    copy = detached(User, {c.key: getattr(user, c.key) for c in User.__table__.columns})
    set_committed_value(copy, "agency", user.agency)
    return copy


async def user_from_token(*, session: AsyncSession, token: str) -> User:
    """The active account a bearer token was issued to (a detached snapshot: read it, don't
    change it; load the account in your session to change it)."""
    now = time.monotonic()
    hit = _verified.get(token)
    if hit is not None and hit[0] > now:
        return hit[1]
    data = unsign(token, purpose=TOKEN_PURPOSE, max_age=get_settings().access_token_minutes * 60)
    if not isinstance(data, dict):
        raise AuthenticationFailed("Phiên đăng nhập hết hạn")
    user = await session.get(User, data.get("uid"))
    if user is None or not user.active or user.token_version != data.get("v"):
        raise AuthenticationFailed("Phiên đăng nhập hết hạn")
    if len(_verified) > 10_000:
        _verified.clear()
    snapshot = _snapshot(user)
    _verified[token] = (now + TOKEN_CACHE_S, snapshot)
    return snapshot


@event.listens_for(Session, "after_flush")
def _forget(session: Session, _context: object) -> None:
    """Any account added, changed or deleted in this process: verify every token again."""
    if _verified and any(isinstance(o, User) for o in (*session.new, *session.dirty, *session.deleted)):
        _verified.clear()


@event.listens_for(Session, "do_orm_execute")
def _forget_bulk(state: ORMExecuteState) -> None:
    """The same for UPDATE or DELETE statements on the accounts table (no objects involved)."""
    if _verified and (state.is_update or state.is_delete):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == User.__tablename__:
            _verified.clear()


async def list_users(*, session: AsyncSession) -> Sequence[User]:
    return (await session.scalars(select(User).order_by(User.username))).all()


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def set_contacts(
    *, session: AsyncSession, username: str, email: str | None = None, telegram_chat_id: str | None = None,
    zalo_user_id: str | None = None,
) -> User:
    """Where staff alerts reach this person; an empty string clears a contact, None keeps it. Every
    value is checked before any is changed (a refused edit changes nothing)."""
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"Không có tài khoản cán bộ {username}")
    rules = (
        ("email", email, EMAIL, "Địa chỉ e-mail không hợp lệ: {value}"),
        ("telegram_chat_id", telegram_chat_id, re.compile(r"-?\d{1,20}"),
         "Mã chat Telegram là một số (cuộc trò chuyện của bot với người này)"),
        ("zalo_user_id", zalo_user_id, re.compile(r"\d{1,32}"),
         "Mã người dùng Zalo là một số (mã của người này với OA)"),
    )
    changes: dict[str, str | None] = {}
    for field, value, pattern, message in rules:
        if value is None:
            continue
        value = value.strip()
        if value and not pattern.fullmatch(value):
            raise ValidationFailed(message.format(value=value), field=field)
        changes[field] = value or None
    for field, value in changes.items():
        setattr(user, field, value)
    await session.flush()
    return user
