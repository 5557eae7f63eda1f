"""Tracking-code look-ups on the portal are limited per client (issue 17 item 12)."""

from __future__ import annotations

import pytest


@pytest.fixture
def small_lookup_limit(monkeypatch):
    monkeypatch.setenv("LOOKUP_PER_MINUTE", "3")  # read when the site fixture builds the settings


async def test_a_client_trying_codes_in_bulk_is_held_with_429(small_lookup_limit, site, site_client):
    answers = [(await site_client.get(f"/reports/PA-{n:06d}")).status_code for n in range(4)]
    assert answers == [404, 404, 404, 429]
    held = await site_client.get("/reports/PA-000009")
    assert int(held.headers["retry-after"]) >= 1 and "thử lại" in held.text


async def test_a_real_report_page_opens_within_the_limit(small_lookup_limit, site, site_client):
    code = await site.report()
    assert (await site_client.get(f"/reports/{code}")).status_code == 200
