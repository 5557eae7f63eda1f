"""Staff-site sessions and CSRF.

The session lives on the server (backend/staff/sessions.py): the `pa_session` cookie (HttpOnly,
SameSite=Lax, Secure on https) holds a random token, and logout, a password or role change and
deactivation end it there, so a copied cookie stops working at once. Every form carries a CSRF
token: with a session, an HMAC of that session's token (bound to it, worthless without it);
before sign-in (the login form, the portal's forms), a token that must equal the `pa_csrf` cookie."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.core.security import csrf_matches, new_csrf_token
from backend.staff import sessions
from backend.staff.models import User

SESSION_COOKIE = sessions.COOKIE
CSRF_COOKIE = "pa_csrf"


class LoginRequired(Exception):
    """No valid staff session: the staff site redirects to the login page."""


class CsrfFailed(Exception):
    """A POST without the right CSRF token: answered with a 403 page."""


def _secure() -> bool:
    return get_settings().base_url.startswith("https://")


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def start_session(request: Request, response: Response, session: AsyncSession, user: User) -> None:
    await sessions.end(session=session, token=request.cookies.get(SESSION_COOKIE))  # no session fixation
    started = await sessions.begin(session=session, user=user, ip=client_ip(request),
                                   user_agent=request.headers.get("user-agent"))
    response.set_cookie(SESSION_COOKIE, started.token, max_age=get_settings().admin_session_hours * 3600,
                        httponly=True, samesite="lax", secure=_secure(), path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


async def end_session(request: Request, response: Response, session: AsyncSession) -> None:
    await sessions.end(session=session, token=request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


async def session_user(request: Request, session: AsyncSession) -> User | None:
    return await sessions.user_of(session=session, token=request.cookies.get(SESSION_COOKIE))


# --- CSRF ---------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The token for forms on this page: the session's, or (no session cookie) the pre-sign-in
    token, made and set by `remember_csrf` when absent."""
    session_token = request.cookies.get(SESSION_COOKIE)
    if session_token:
        return sessions.csrf_for(session_token)
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
    session_token = request.cookies.get(SESSION_COOKIE)
    expected = sessions.csrf_for(session_token) if session_token else request.cookies.get(CSRF_COOKIE)
    if not csrf_matches(expected, given if isinstance(given, str) else None):
        raise CsrfFailed()
    return form
