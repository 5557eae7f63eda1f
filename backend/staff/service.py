"""Staff accounts and authentication (lockout after repeated failures)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.attributes import set_committed_value

from backend.catalog import service as catalog_service
from backend.core.config import get_settings
from backend.core.db import detached, utcnow
from backend.core.errors import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from backend.core.security import hash_password, sign, unsign, verify_password
from backend.staff.models import Role, User

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


async def authenticate(*, session: AsyncSession, username: str, password: str) -> User:
    settings = get_settings()
    user = await session.scalar(select(User).where(User.username == username))
    now = utcnow()
    if user is None or not user.active:
        verify_password(password, "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")
        raise AuthenticationFailed("Sai tên đăng nhập hoặc mật khẩu / wrong username or password")
    if user.locked_until is not None and user.locked_until > now:
        raise AuthenticationFailed("Tài khoản tạm khóa do đăng nhập sai nhiều lần; thử lại sau / account locked")
    if not verify_password(password, user.password_hash):
        user.failed_logins += 1
        if user.failed_logins >= settings.admin_login_max_failures:
            user.locked_until = now + timedelta(minutes=settings.admin_lockout_minutes)
            user.failed_logins = 0
        raise AuthenticationFailed("Sai tên đăng nhập hoặc mật khẩu / wrong username or password")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


async def change_password(*, session: AsyncSession, user: User, old: str, new: str) -> None:
    if not verify_password(old, user.password_hash):
        raise AuthenticationFailed("Mật khẩu hiện tại không đúng / current password is wrong")
    if len(new) < 8:
        raise ValidationFailed("Mật khẩu mới cần ít nhất 8 ký tự / at least 8 characters", field="password")
    user.password_hash = hash_password(new)
    user.token_version += 1


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
        raise AuthenticationFailed("Phiên đăng nhập hết hạn / invalid or expired token")
    user = await session.get(User, data.get("uid"))
    if user is None or not user.active or user.token_version != data.get("v"):
        raise AuthenticationFailed("Phiên đăng nhập hết hạn / invalid or expired token")
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
    """Where staff alerts reach this person; an empty string clears a contact, None keeps it."""
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no staff account {username}")
    if email is not None:
        email = email.strip()
        if email and not EMAIL.match(email):
            raise ValidationFailed(f"not an e-mail address: {email}", field="email")
        user.email = email or None
    if telegram_chat_id is not None:
        telegram_chat_id = telegram_chat_id.strip()
        if telegram_chat_id and not re.fullmatch(r"-?\d{1,20}", telegram_chat_id):
            raise ValidationFailed("a Telegram chat id is a number (the bot's chat with this person)",
                                   field="telegram_chat_id")
        user.telegram_chat_id = telegram_chat_id or None
    if zalo_user_id is not None:
        zalo_user_id = zalo_user_id.strip()
        if zalo_user_id and not re.fullmatch(r"\d{1,32}", zalo_user_id):
            raise ValidationFailed("a Zalo user id is a number (the person's id for the OA)", field="zalo_user_id")
        user.zalo_user_id = zalo_user_id or None
    await session.flush()
    return user
