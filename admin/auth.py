"""Staff-site sessions and CSRF.

The session is a signed cookie (HttpOnly, SameSite=Lax) holding the user id and the user's
token_version, so a password change or deactivation ends every session at once. Every form
carries a CSRF token that must equal the one in the `pa_csrf` cookie (HttpOnly, SameSite=Lax):
a forged cross-site POST cannot read or set that cookie."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.core.security import csrf_matches, new_csrf_token, sign, unsign
from backend.staff.models import User

SESSION_COOKIE = "pa_session"
CSRF_COOKIE = "pa_csrf"
SESSION_PURPOSE = "admin-session"
SESSION_HOURS = 12


class LoginRequired(Exception):
    """No valid staff session: the staff site redirects to the login page."""


class CsrfFailed(Exception):
    """A POST without the right CSRF token: answered with a 403 page."""


def _secure() -> bool:
    return get_settings().base_url.startswith("https://")


def start_session(response: Response, user: User) -> None:
    token = sign({"uid": user.id, "v": user.token_version}, purpose=SESSION_PURPOSE)
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax",
                        secure=_secure(), path="/")
    set_csrf_cookie(response, new_csrf_token())


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


async def session_user(request: Request, session: AsyncSession) -> User | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    data = unsign(token, purpose=SESSION_PURPOSE, max_age=SESSION_HOURS * 3600)
    if not isinstance(data, dict):
        return None
    user = await session.get(User, data.get("uid"))
    if user is None or not user.active or user.token_version != data.get("v"):
        return None
    return user


async def request_is_staff(request: Request, session: AsyncSession) -> bool:
    """Used by GET /media/{id}: staff may see photos not yet approved for the public."""
    return await session_user(request, session) is not None


# --- CSRF ---------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The token for forms on this page; a new one is made (and set by `remember_csrf`) if absent."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = new_csrf_token()
        request.state.new_csrf = token
    return token


def set_csrf_cookie(response: Response, token: str) -> None:
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(), path="/")


def remember_csrf(request: Request, response: Response) -> None:
    token = getattr(request.state, "new_csrf", None)
    if token and not request.cookies.get(CSRF_COOKIE):
        set_csrf_cookie(response, token)


async def verified_form(request: Request) -> Any:
    """The posted form, after checking its CSRF token (form field or X-CSRF-Token header)."""
    form = await request.form()
    given = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if not csrf_matches(request.cookies.get(CSRF_COOKIE), given if isinstance(given, str) else None):
        raise CsrfFailed()
    return form
