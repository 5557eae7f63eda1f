"""Server-side staff sessions (issue 17 item 2): logout, a password change, a role change and
deactivation end the session on the server; the CSRF token is bound to the session."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.admin.conftest import PASSWORD, csrf_of, login


async def _user_id(site, username: str) -> int:
    from backend.staff.models import User

    async with site.db() as session:
        return int(await session.scalar(select(User.id).where(User.username == username)))


async def test_a_copied_session_cookie_stops_working_after_logout(site, site_client):
    await site.user("an", "supervisor")
    await login(site_client, "an")
    copied = site_client.cookies.get("pa_session")
    await site_client.post("/admin/logout", data={"csrf_token": await csrf_of(site_client, "/admin/")})
    site_client.cookies.set("pa_session", copied)
    assert (await site_client.get("/admin/")).status_code == 303


async def test_a_copied_cookie_cannot_act_after_logout_even_with_a_matching_csrf_pair(site, site_client):
    await site.user("an", "supervisor")
    code = await site.report(phone="0905123456")
    await login(site_client, "an")
    copied = site_client.cookies.get("pa_session")
    await site_client.post("/admin/logout", data={"csrf_token": await csrf_of(site_client, "/admin/")})
    site_client.cookies.clear()
    site_client.cookies.set("pa_session", copied)
    site_client.cookies.set("pa_csrf", "minted-by-the-attacker")
    response = await site_client.post(f"/admin/reports/{code}/contact", data={"csrf_token": "minted-by-the-attacker"})
    assert response.status_code in (303, 403)
    assert "0905123456" not in response.text


async def test_the_csrf_token_of_one_session_is_refused_in_another(site, site_client):
    await site.user("an", "supervisor")
    await login(site_client, "an")
    first = await csrf_of(site_client, "/admin/")
    site_client.cookies.clear()
    await login(site_client, "an")
    second = await csrf_of(site_client, "/admin/")
    assert first != second
    assert (await site_client.post("/admin/logout", data={"csrf_token": first})).status_code == 403
    assert (await site_client.post("/admin/logout", data={"csrf_token": second})).status_code == 303


async def test_deactivating_an_account_ends_its_sessions(site, site_client):
    import httpx

    await site.user("boss", "admin")
    await site.user("an", "supervisor")
    await login(site_client, "an")
    transport = httpx.ASGITransport(app=site_client._transport.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as admin:
        await login(admin, "boss")
        token = await csrf_of(admin, "/admin/manage/users")
        uid = await _user_id(site, "an")
        assert (await admin.post(f"/admin/manage/users/{uid}/active",
                                 data={"csrf_token": token, "active": "0"})).status_code == 303
    assert (await site_client.get("/admin/")).status_code == 303


async def test_a_role_change_ends_the_accounts_sessions(site, site_client):
    import httpx

    await site.user("boss", "admin")
    await site.user("an", "supervisor")
    await login(site_client, "an")
    transport = httpx.ASGITransport(app=site_client._transport.app)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as admin:
        await login(admin, "boss")
        token = await csrf_of(admin, "/admin/manage/users")
        uid = await _user_id(site, "an")
        response = await admin.post(f"/admin/manage/users/{uid}/role", data={"csrf_token": token, "role": "hotline"})
        assert response.status_code == 303
    assert (await site_client.get("/admin/")).status_code == 303
    assert (await login(site_client, "an", PASSWORD)).status_code == 303  # signs in again, with the new role


async def test_only_a_hash_of_the_session_token_is_stored(site, site_client):
    from backend.staff.models import StaffSession

    await site.user("an", "supervisor")
    await login(site_client, "an")
    cookie = site_client.cookies.get("pa_session")
    async with site.db() as session:
        stored = (await session.scalars(select(StaffSession.token_hash))).all()
    assert len(stored) == 1 and cookie not in stored[0] and re.fullmatch(r"[0-9a-f]{64}", stored[0])


async def test_expired_sessions_are_pruned_by_the_scheduled_job(site, site_client):
    from datetime import timedelta

    from backend.core.db import utcnow
    from backend.staff.models import StaffSession
    from backend.staff.scheduled import staff_session_cleanup

    await site.user("an", "supervisor")
    await login(site_client, "an")
    result = await staff_session_cleanup(now=utcnow() + timedelta(days=2))
    assert result["sessions"] == 1
    async with site.db() as session:
        assert (await session.scalars(select(StaffSession))).all() == []
