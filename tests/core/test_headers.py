"""Security headers (issue 17 item 7) on the staff site, the portal and the API."""

from __future__ import annotations

import httpx
import pytest

from backend.core.headers import policy, tile_origin


@pytest.mark.parametrize("path", ["/", "/admin/login", "/healthz", "/open311/v2/services.json", "/static/app.js"])
async def test_every_answer_carries_the_security_headers(app_client: httpx.AsyncClient, path: str) -> None:
    headers = (await app_client.get(path)).headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-eval" not in csp


async def test_scripts_come_from_this_site_only() -> None:
    script = next(d for d in policy().split("; ") if d.startswith("script-src"))
    assert script == "script-src 'self'"


def test_the_map_tile_server_is_allowed_for_images_only() -> None:
    assert tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"
    assert tile_origin("https://{s}.tile.example.vn/{z}/{x}/{y}.png") == "https://*.tile.example.vn"
    assert tile_origin("") == ""


async def test_hsts_is_sent_when_base_url_is_https(session) -> None:
    import os

    from backend.core.config import get_settings
    from backend.main import create_app

    old = os.environ.get("BASE_URL")
    os.environ["BASE_URL"] = "https://phananh.daklak.gov.vn"
    get_settings.cache_clear()
    try:
        app = create_app(with_hooks=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            headers = (await client.get("/healthz")).headers
    finally:
        if old is None:
            os.environ.pop("BASE_URL", None)
        else:
            os.environ["BASE_URL"] = old
        get_settings.cache_clear()
    assert headers["strict-transport-security"].startswith("max-age=31536000")


async def test_no_hsts_over_plain_http(app_client: httpx.AsyncClient) -> None:
    assert "strict-transport-security" not in (await app_client.get("/healthz")).headers


def test_no_template_has_an_inline_script_or_handler() -> None:
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "admin" / "templates"
    for page in root.rglob("*.html"):
        text = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline <script> in {page.name}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {page.name}"
        assert "javascript:" not in text, f"javascript: URL in {page.name}"
