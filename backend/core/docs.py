"""API documentation (/docs: Swagger UI) served from a vendored copy (npm swagger-ui-dist 5.35.0,
in docs_assets/): FastAPI's default page loads it and a favicon from CDNs, which an IOC's closed
network shows as a blank page. No inline script, so the page works under a script-src 'self'
policy. ReDoc is off: its bundle still calls its own CDN."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(__file__).parent / "docs_assets"
PREFIX = "/docs-assets"


def _page(title: str, head: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="icon" type="image/png" href="{PREFIX}/favicon-32x32.png">{head}</head>
{body}</html>""")


def install(app: FastAPI) -> None:
    """Mount the assets and the page; call with FastAPI(docs_url=None, redoc_url=None)."""
    app.mount(PREFIX, StaticFiles(directory=ASSETS), name="docs-assets")
    openapi = app.openapi_url or "/openapi.json"
    title = f"{app.title}: tài liệu API"

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return _page(title, f'<link rel="stylesheet" href="{PREFIX}/swagger-ui.css">',
                     f'<body data-openapi="{openapi}"><div id="swagger-ui"></div>'
                     f'<script src="{PREFIX}/swagger-ui-bundle.js"></script>'
                     f'<script src="{PREFIX}/swagger-init.js"></script></body>')
