"""What keeps a check cheap without falsifying it: a kept-alive connection per origin (its
certificate as read at the handshake, a fresh handshake once the pool is replaced), cached DNS
answers forgotten when a check fails, and the checker's own lag measured beside the check."""

import asyncio
import time

import pytest

from backend.monitoring.sites import lag, probe
from tests.bot.standins import free_port


@pytest.fixture
async def prober():
    kept = probe.Prober(concurrency=4, keepalive_s=90)
    yield kept
    await kept.aclose()


async def test_the_next_check_of_a_site_reuses_its_connection_and_certificate(web, prober):
    web.page("/")
    first = await prober.probe(web.https_url + "/", 5)
    second = await prober.probe(web.https_url + "/", 5)
    assert first.new_connection is True and second.new_connection is False
    assert second.status_code == 200 and second.cert_expires_at == first.cert_expires_at is not None
    assert second.cert_issuer == first.cert_issuer and (prober.handshakes, prober.reused) == (1, 1)


async def test_without_keep_alive_every_check_opens_its_own_connection(web):
    web.page("/")
    fresh = probe.Prober(concurrency=4, keepalive_s=0)
    try:
        checks = [await fresh.probe(web.https_url + "/", 5) for _ in range(2)]
    finally:
        await fresh.aclose()
    assert [c.new_connection for c in checks] == [True, True]
    assert all(c.cert_expires_at is not None for c in checks)


async def test_a_replaced_pool_does_a_fresh_handshake(web, prober, monkeypatch):
    web.page("/")
    await prober.probe(web.https_url + "/", 5)
    monkeypatch.setattr(probe, "POOL_MAX_AGE_S", 0.0)  # an hour later
    again = await prober.probe(web.https_url + "/", 5)
    await prober.close_retired()
    assert again.new_connection is True and again.cert_expires_at is not None and prober.handshakes == 2


async def test_a_dns_answer_is_kept_and_forgotten_when_the_check_fails(web, prober):
    web.page("/")
    first = await prober.probe(f"http://localhost:{web.ports['http']}/", 5)
    second = await prober.probe(f"http://localhost:{web.ports['http']}/", 5)
    assert first.dns_ms is not None and second.dns_ms is None and second.status_code == 200
    failed = await prober.probe(f"http://localhost:{free_port()}/", 5)
    assert failed.error is not None
    assert (await prober.probe(f"http://localhost:{web.ports['http']}/", 5)).dns_ms is not None


async def test_an_address_in_the_url_is_not_looked_up(web, prober):
    web.page("/")
    seen = await prober.probe(web.http_url + "/", 5)
    assert seen.ip == "127.0.0.1" and seen.dns_ms == 0 and seen.status_code == 200


async def test_the_lag_meter_sees_the_loop_blocked_during_a_check():
    async with lag.LagMeter(sample_s=0.01) as meter:
        await asyncio.sleep(0.03)
        quiet_from = time.monotonic()
        await asyncio.sleep(0.03)
        assert meter.since(quiet_from) < 300
        started = time.monotonic()
        time.sleep(0.5)  # noqa: ASYNC251 (the loop blocked: other checks' CPU, a saturated machine)
        await asyncio.sleep(0.03)
        assert meter.since(started) >= 450
