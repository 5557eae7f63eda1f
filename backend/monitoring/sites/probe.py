"""One look at a site: DNS, then an HTTP(S) GET with httpx (HTTP/2 when the server offers it,
redirects followed and recorded), the TLS certificate's expiry and issuer, the body (capped).
No database here: `service.record()` judges and stores what this returns.

A `Prober` is what the site checker keeps for its life, so that a check costs little CPU (on 2
cores the web process needs what the checks do not take):
- one httpx client, connections kept alive per origin (`SITE_CHECK_KEEPALIVE_S`, 0: a new one
  for every check): a site checked every minute is asked over the connection of its last check
  when its server kept it open, without a new TCP and TLS handshake. The whole pool is replaced
  every `POOL_MAX_AGE_S` (an hour), so each site gets a fresh handshake (and its certificate is
  read again: a renewed one is seen) at least hourly; a failed check is never over an old
  connection twice (httpx drops a connection that failed);
- the certificate read from the TLS connection only when a new handshake happened, else as read
  on that connection;
- DNS answers kept `DNS_CACHE_S` (getaddrinfo does not say the record's TTL; government zones
  use 300 s or more), forgotten when a check fails, so the checks that confirm a failure resolve
  again; an address in the URL is not looked up at all."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
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
DNS_CACHE_S = 60.0
POOL_MAX_AGE_S = 3600.0
KEEPALIVE_MAX = 1000  # origins whose connections are kept (the ones checked most recently)


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
    new_connection: bool | None = None  # False: over the kept-alive connection of an earlier check
    checker_lag_ms: int | None = None  # the checker's own delay while it ran (lag.LagMeter)

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


def make_client(concurrency: int, keepalive_s: float = 0.0) -> httpx.AsyncClient:
    """A client for checks (at most `concurrency` at once); idle connections kept `keepalive_s`
    (0: a new connection for every request), `concurrency` of them at most."""
    settings = get_settings()
    return httpx.AsyncClient(
        http2=True,
        verify=_ssl_context(str(settings.site_check_ca_bundle) if settings.site_check_ca_bundle else None),
        follow_redirects=True,
        max_redirects=10,
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                 "Accept-Language": "vi,en;q=0.5"},
        limits=httpx.Limits(max_connections=max(concurrency * 2, 10),
                            max_keepalive_connections=concurrency if keepalive_s > 0 else 0,
                            keepalive_expiry=keepalive_s or None),
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


def _peer_certificate(ssl_object: ssl.SSLObject) -> tuple[datetime | None, str | None]:
    cert = ssl_object.getpeercert() or {}
    expires = None
    if cert.get("notAfter"):
        expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), UTC)
    issuer = dict(item for part in cert.get("issuer", ()) for item in part)
    name = issuer.get("organizationName") or issuer.get("commonName")
    if issuer.get("commonName") and issuer.get("organizationName"):
        name = f"{issuer['organizationName']} ({issuer['commonName']})"
    return expires, name


class Prober:
    """Checks sites: connections kept per origin, certificates read once per handshake, DNS
    answers cached (see the module's docstring). `keepalive_s=0`: every check opens its own
    connection (one-off checks, `SITE_CHECK_KEEPALIVE_S=0`).

    With keep-alive each origin has a client of its own: httpcore's pool looks at every
    connection it holds at each request (and asks each idle one's socket whether the server
    closed it), so one pool of hundreds of kept connections costs more CPU than the handshakes
    it saves; a pool per origin holds one or two."""

    def __init__(self, concurrency: int = 1, keepalive_s: float = 0.0) -> None:
        self.concurrency = concurrency
        self.keepalive_s = keepalive_s
        self._clients: dict[str, tuple[httpx.AsyncClient, float]] = {}  # origin (or "" for all) → (client, since)
        self._old: list[httpx.AsyncClient] = []
        self._dns: dict[tuple[str, int], tuple[str, float]] = {}
        self._streams: dict[str, tuple[Any, datetime | None, str | None]] = {}  # origin → (stream, expiry, issuer)
        self.handshakes = 0
        self.reused = 0

    def client(self, origin: str = "") -> httpx.AsyncClient:
        """The client for `origin` (one for all without keep-alive), new every POOL_MAX_AGE_S."""
        key = origin if self.keepalive_s > 0 else ""
        now = time.monotonic()
        kept = self._clients.pop(key, None)  # popped and put back: the dict stays in order of use
        if kept is not None and now - kept[1] > POOL_MAX_AGE_S:
            self._old.append(kept[0])  # closed after the round using it (close_retired)
            kept = None
        if kept is None:
            kept = (make_client(self.concurrency if key == "" else 2, self.keepalive_s), now)
        self._clients[key] = kept
        while len(self._clients) > KEEPALIVE_MAX:  # the origins not checked for longest
            self._old.append(self._clients.pop(next(iter(self._clients)))[0])
        return kept[0]

    async def resolve(self, host: str, port: int, limit_s: float) -> tuple[str | None, int | None, str | None]:
        """(address, milliseconds or None when answered from the cache, error)."""
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(host)), 0, None
        key = (host, port)
        kept = self._dns.get(key)
        if kept is not None and kept[1] > time.monotonic():
            return kept[0], None, None
        ip, ms, error = await resolve(host, port, limit_s)
        if ip is not None:
            self._dns[key] = (ip, time.monotonic() + DNS_CACHE_S)
        return ip, ms, error

    def certificate(self, origin: str, response: httpx.Response) -> tuple[datetime | None, str | None, bool]:
        """The peer certificate's (expiry, issuer) and whether the connection is a new one."""
        stream = response.extensions.get("network_stream")
        if stream is None:
            return None, None, True
        kept = self._streams.get(origin)
        if kept is not None and kept[0] is stream:
            self.reused += 1
            return kept[1], kept[2], False
        self.handshakes += 1
        ssl_object = stream.get_extra_info("ssl_object")
        expires, issuer = _peer_certificate(ssl_object) if ssl_object is not None else (None, None)
        self._streams[origin] = (stream, expires, issuer)
        return expires, issuer, True

    def forget(self, host: str) -> None:
        for key in [k for k in self._dns if k[0] == host]:
            del self._dns[key]

    async def probe(self, url: str, limit_s: float) -> Probe:
        result = await probe(self, url, limit_s)
        if result.error:
            self.forget(urlsplit(url).hostname or "")
        return result

    async def close_retired(self) -> None:
        """Close the clients replaced since (their checks are done: call it between rounds)."""
        while self._old:
            await aclose(self._old.pop())

    async def aclose(self) -> None:
        self._old += [client for client, _since in self._clients.values()]
        self._clients.clear()
        self._streams.clear()
        await self.close_retired()


async def probe(prober: Prober, url: str, limit_s: float) -> Probe:
    result = Probe(url=url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    ip, result.dns_ms, error = await prober.resolve(host, parts.port or (443 if parts.scheme == "https" else 80),
                                                    limit_s)
    result.ip = ip
    if error:
        result.error = error
        return result
    client = prober.client(f"{parts.scheme}://{parts.netloc}")
    started = time.perf_counter()
    try:
        async with client.stream("GET", url, timeout=httpx.Timeout(limit_s)) as response:
            result.connected = True
            result.status_code = response.status_code
            result.http_version = response.http_version
            result.final_url = str(response.url)
            result.redirects = [{"status": r.status_code, "url": str(r.url),
                                 "location": r.headers.get("location")} for r in response.history]
            result.cert_expires_at, result.cert_issuer, result.new_connection = prober.certificate(
                f"{response.url.scheme}://{response.url.netloc.decode('ascii')}", response)
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
