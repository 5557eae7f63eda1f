"""Signed links sent to citizens: the rating link (the portal's /rate/{token} page reads it back)."""

from __future__ import annotations

from backend.core.config import get_settings
from backend.core.security import sign, unsign

RATE_PURPOSE = "rate"
RATE_TOKEN_DAYS = 30


def rating_link(code: str) -> str:
    """The public page where the reporter of `code` rates its handling (valid RATE_TOKEN_DAYS)."""
    return f"{get_settings().base_url.rstrip('/')}/rate/{sign({'code': code}, purpose=RATE_PURPOSE)}"


def rated_code(token: str) -> str | None:
    """The report code a rating token stands for; None when forged, for another purpose or expired."""
    data = unsign(token, purpose=RATE_PURPOSE, max_age=RATE_TOKEN_DAYS * 86400)
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        return None
    return str(data["code"])
