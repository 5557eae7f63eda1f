"""Zalo's domain verification for the webhook's domain (ZALO_SITE_VERIFICATION): the file
`/zalo_verifier<code>.html` Zalo's console offers for download, served as Zalo writes it, and the
`zalo-platform-site-verification` meta tag on `/` (admin/templates/portal/home.html)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from backend.core.config import get_settings
from backend.core.errors import NotFound

router = APIRouter(tags=["zalo"], include_in_schema=False)


def verification_code() -> str | None:
    code = (get_settings().zalo_site_verification or "").strip()
    return code or None


def meta_tag() -> str:
    """The meta tag for a page's head, or nothing when no code is configured."""
    code = verification_code()
    return f'<meta name="zalo-platform-site-verification" content="{escape(code)}" />' if code else ""


@router.get("/zalo_verifier{code}.html")
async def verifier_file(code: str) -> HTMLResponse:
    expected = verification_code()
    if expected is None or code != expected:
        raise NotFound("Không tìm thấy trang")
    return HTMLResponse(f"<html><head>{meta_tag()}</head><body>There Is No Limit To What You Can Accomplish "
                        "Using Zalo!</body></html>")
