"""Open311 API keys on the staff site and the CLI (issue 17 item 3, issue 11 item 15)."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.admin.conftest import csrf_of, login


async def test_an_admin_issues_a_key_that_is_shown_once_and_stored_hashed(site, site_client):
    from backend.open311.models import ApiKey

    await site.user("qt", "admin")
    await login(site_client, "qt")
    token = await csrf_of(site_client, "/admin/manage/apikeys")
    page = await site_client.post("/admin/manage/apikeys", data={"csrf_token": token, "name": "cong-dvc"})
    key = re.search(r"pa311_[\w-]{40,}", page.text).group(0)
    assert key not in (await site_client.get("/admin/manage/apikeys")).text
    async with site.db() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.name == "cong-dvc"))
    assert row is not None and key not in row.key_hash and row.created_by == "qt"


async def test_a_revoked_key_can_no_longer_file_reports(site, site_client):
    await site.user("qt", "admin")
    await login(site_client, "qt")
    token = await csrf_of(site_client, "/admin/manage/apikeys")
    page = await site_client.post("/admin/manage/apikeys", data={"csrf_token": token, "name": "cong-dvc"})
    key = re.search(r"pa311_[\w-]{40,}", page.text).group(0)
    post = {"service_code": "littering", "description": "Rác đổ đầy gốc cây", "lat": "12.6675", "long": "108.0378",
            "api_key": key}
    assert (await site_client.post("/open311/v2/requests.json", data=post)).status_code == 200
    await site_client.post("/admin/manage/apikeys/cong-dvc/revoke", data={"csrf_token": token})
    assert (await site_client.post("/open311/v2/requests.json", data=post)).status_code == 403


async def test_a_supervisor_sees_the_keys_but_cannot_issue_one(site, site_client):
    await site.user("gs", "supervisor")
    await login(site_client, "gs")
    assert (await site_client.get("/admin/manage/apikeys")).status_code == 200
    token = await csrf_of(site_client, "/admin/manage/apikeys")
    assert (await site_client.post("/admin/manage/apikeys", data={"csrf_token": token, "name": "x"})).status_code == 403


def test_phananh_apikey_on_a_database_never_migrated_is_one_line_with_the_fix(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    cli = Path(sys.executable).parent / "phananh"
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"}
    listed = subprocess.run([str(cli), "apikey", "list"], env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 1
    assert "chạy phananh db upgrade rồi thử lại" in listed.stderr
    assert "Traceback" not in listed.stderr + listed.stdout


def test_phananh_apikey_add_prints_a_key_that_list_shows_by_prefix_only(site):
    import os
    import subprocess
    import sys
    from pathlib import Path

    cli = Path(sys.executable).parent / "phananh"
    env = {**os.environ}
    added = subprocess.run([str(cli), "apikey", "add", "tich-hop"], env=env, capture_output=True, text=True,
                           timeout=120)
    assert added.returncode == 0, added.stderr
    key = re.search(r"pa311_[\w-]{40,}", added.stdout).group(0)
    listed = subprocess.run([str(cli), "apikey", "list"], env=env, capture_output=True, text=True, timeout=120)
    assert "tich-hop" in listed.stdout and key not in listed.stdout
    revoked = subprocess.run([str(cli), "apikey", "revoke", "tich-hop"], env=env, capture_output=True, text=True,
                             timeout=120)
    assert revoked.returncode == 0
