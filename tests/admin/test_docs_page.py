"""/docs works on a closed network: every asset comes from this server."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_render_with_no_request_to_another_host(page, site_live):
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(f"{site_live.url}/docs")
    page.wait_for_selector(".opblock-summary-path[data-path='/api/v1/reports']")
    assert hosts == {urlsplit(site_live.url).netloc}

