"""Every page still works under the Content-Security-Policy (issue 17 item 7): a real Chromium
visits the staff site and the portal, and no resource, script or style is refused; the pages'
scripts (maps, the phone reveal, the hotline desk, the location picker) run."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.admin.conftest import browser_login

pytestmark = pytest.mark.browser


def _watch(page):
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: refused.append(str(e)))
    return refused


def test_staff_pages_run_their_scripts_with_nothing_refused(page, site_live):
    site = site_live.site
    site.run(site.user("quantri", "admin"))
    code = site.run(site.report(phone="0905123456"))
    refused = _watch(page)
    browser_login(page, site_live, "quantri")
    page.goto(f"{site_live.url}/admin/reports/{code}")
    page.wait_for_selector("#map.leaflet-container")  # PA.maps ran
    page.click("#show-phone")
    page.wait_for_selector("#phone a[href^='tel:']")  # PA.contact ran (and its POST passed CSRF)
    for path in ("/admin/hotline", "/admin/manage/users", "/admin/manage/apikeys", "/admin/manage/audit",
                 "/admin/reports/PA-ZZZZZZ", "/docs"):
        page.goto(f"{site_live.url}{path}")
    page.goto(f"{site_live.url}/admin/hotline")
    page.fill("#description", "Quán nhậu bày bàn ghế chiếm hết vỉa hè, người đi bộ phải xuống lòng đường")
    expect(page.locator("#nlu-hint")).not_to_be_empty()  # PA.desk ran (the NLU hint is filled)
    assert refused == []


def test_portal_pages_run_their_scripts_with_nothing_refused(page, site_live):
    site = site_live.site
    code = site.run(site.report())
    refused = _watch(page)
    page.goto(f"{site_live.url}/")
    page.wait_for_selector("#map.leaflet-container")
    page.goto(f"{site_live.url}/reports/{code}")
    page.wait_for_selector("#map.leaflet-container")
    page.goto(f"{site_live.url}/report/new")
    page.wait_for_selector("#pickmap.leaflet-container")  # PA.pick ran
    page.goto(f"{site_live.url}/reports/PA-ZZZZZZ")
    assert refused == []
