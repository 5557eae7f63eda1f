"""Staff sign-in: session cookie, CSRF on every form, logout, password change (throttling and
server-side sessions: test_login_throttle.py, test_sessions.py)."""

from sqlalchemy import select

from admin.models import AuditLog
from tests.admin.conftest import PASSWORD, csrf_of, login


async def test_login_sets_an_httponly_lax_session_cookie_and_opens_the_queue(site, site_client):
    await site.user("an", "supervisor")
    response = await login(site_client, "an")
    assert response.status_code == 303 and response.headers["location"] == "/admin/"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("pa_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert (await site_client.get("/admin/")).status_code == 200


async def test_pages_redirect_to_login_without_a_session(site, site_client):
    response = await site_client.get("/admin/reports/PA-AAAAAA")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=")


async def test_wrong_password_is_refused(site, site_client):
    await site.user("an", "supervisor")
    response = await login(site_client, "an", "wrong-password")
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.text


async def test_a_post_without_csrf_token_is_refused_with_a_403_page(site, site_client):
    await site.user("an", "supervisor")
    response = await site_client.post("/admin/login", data={"username": "an", "password": PASSWORD})
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]


async def test_a_post_with_a_wrong_csrf_token_is_refused(site, site_client):
    await site.user("an", "supervisor")
    await login(site_client, "an")
    response = await site_client.post("/admin/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403


async def test_logout_ends_the_session(site, site_client):
    await site.user("an", "supervisor")
    await login(site_client, "an")
    token = await csrf_of(site_client, "/admin/")
    await site_client.post("/admin/logout", data={"csrf_token": token})
    assert (await site_client.get("/admin/")).status_code == 303


async def test_password_change_ends_every_session_and_the_new_password_works(site, site_client):
    await site.user("an", "supervisor")
    await login(site_client, "an")
    token = await csrf_of(site_client, "/admin/password")
    old_cookie = site_client.cookies.get("pa_session")
    response = await site_client.post("/admin/password", data={
        "csrf_token": token, "old": PASSWORD, "new": "new-pass-123", "again": "new-pass-123"})
    assert response.status_code == 303
    site_client.cookies.set("pa_session", old_cookie)
    assert (await site_client.get("/admin/")).status_code == 303  # the old session no longer works
    assert (await login(site_client, "an", "new-pass-123")).status_code == 303


async def test_logins_are_written_to_the_audit_log(site, site_client):
    await site.user("an", "supervisor")
    await login(site_client, "an", "bad-password")
    await login(site_client, "an")
    async with site.db() as session:
        actions = (await session.scalars(select(AuditLog.action).order_by(AuditLog.id))).all()
    assert actions == ["login_failed", "login"]
