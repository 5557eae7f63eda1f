"""One look at a site: DNS, then an HTTP(S) GET with httpx (HTTP/2 when the server offers it,
redirects followed and recorded), the TLS certificate's expiry and issuer, the body (capped).
No database here: `service.record()` judges and stores what this returns."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import httpx

from backend.core.config import get_settings

MAX_BODY = 2 * 1024 * 1024
USER_AGENT = "PhanAnh-IOC-SiteMonitor/1.0 (+giam sat website co quan nha nuoc)"


@dataclass
class Probe:
    url: str
    connected: bool = False
    status_code: int | None = None
    response_ms: int | None = None
    http_version: str | None = None
    ip: str | None = None
    dns_ms: int | None = None
    final_url: str | None = None
    redirects: list[dict[str, Any]] = field(default_factory=list)
    cert_expires_at: datetime | None = None
    cert_issuer: str | None = None
    body: str = ""
    content_type: str = ""
    error: str | None = None  # dns | timeout | tls | connect | ... with the reason

    def cert_days(self, now: datetime) -> float | None:
        if self.cert_expires_at is None:
            return None
        return (self.cert_expires_at - now).total_seconds() / 86400


@cache
def _ssl_context(ca_bundle: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_bundle) if ca_bundle else ssl.create_default_context()
    if ca_bundle:  # an internal CA (the government's CA) on top of the system's
        context.load_default_certs()
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


def make_client(concurrency: int) -> httpx.AsyncClient:
    """One client for a whole round of checks (connection pool sized to the concurrency)."""
    settings = get_settings()
    return httpx.AsyncClient(
        http2=True,
        verify=_ssl_context(str(settings.site_check_ca_bundle) if settings.site_check_ca_bundle else None),
        follow_redirects=True,
        max_redirects=10,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                 "Accept-Language": "vi,en;q=0.5"},
        limits=httpx.Limits(max_connections=max(concurrency * 2, 10), max_keepalive_connections=0),
    )


async def resolve(host: str, port: int, limit_s: float) -> tuple[str | None, int, str | None]:
    """(first address, milliseconds, error)."""
    started = time.perf_counter()
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), limit_s)
    except (TimeoutError, OSError) as exc:
        return None, int((time.perf_counter() - started) * 1000), f"dns: {exc or 'timeout'}"
    return str(infos[0][4][0]), int((time.perf_counter() - started) * 1000), None


def _peer_certificate(response: httpx.Response) -> tuple[datetime | None, str | None]:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None, None
    cert = ssl_object.getpeercert() or {}
    expires = None
    if cert.get("notAfter"):
        expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), UTC)
    issuer = dict(item for part in cert.get("issuer", ()) for item in part)
    name = issuer.get("organizationName") or issuer.get("commonName")
    if issuer.get("commonName") and issuer.get("organizationName"):
        name = f"{issuer['organizationName']} ({issuer['commonName']})"
    return expires, name


async def probe(client: httpx.AsyncClient, url: str, limit_s: float) -> Probe:
    result = Probe(url=url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    ip, result.dns_ms, error = await resolve(host, parts.port or (443 if parts.scheme == "https" else 80), limit_s)
    result.ip = ip
    if error:
        result.error = error
        return result
    started = time.perf_counter()
    try:
        async with client.stream("GET", url, timeout=httpx.Timeout(limit_s)) as response:
            result.connected = True
            result.status_code = response.status_code
            result.http_version = response.http_version
            result.final_url = str(response.url)
            result.redirects = [{"status": r.status_code, "url": str(r.url),
                                 "location": r.headers.get("location")} for r in response.history]
            result.cert_expires_at, result.cert_issuer = _peer_certificate(response)
            result.content_type = response.headers.get("content-type", "")
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= MAX_BODY:
                    break
            raw = b"".join(chunks)[:MAX_BODY]
            result.body = raw.decode(response.encoding or "utf-8", errors="replace")
    except httpx.TimeoutException:
        result.error = f"timeout: không trả lời trong {limit_s:g} giây"
    except httpx.TooManyRedirects:
        result.error = "redirect: chuyển hướng quá 10 lần"
    except httpx.ConnectError as exc:
        reason = str(exc) or exc.__class__.__name__
        result.error = ("tls: " if "CERTIFICATE" in reason.upper() or "SSL" in reason.upper() else "connect: ") + reason
    except (httpx.HTTPError, OSError, UnicodeError) as exc:
        result.error = f"http: {exc or exc.__class__.__name__}"
    result.response_ms = int((time.perf_counter() - started) * 1000)
    return result


async def aclose(client: httpx.AsyncClient) -> None:
    with contextlib.suppress(Exception):
        await client.aclose()
