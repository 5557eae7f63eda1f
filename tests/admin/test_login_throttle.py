"""Sign-in throttling (issue 17 item 11, issue 11 item 16): by client address and account together,
growing waits answered 429 with Retry-After, one answer for every failure, never a lockout of the
right password from another address, each hold written to the audit log."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from sqlalchemy import select

from admin.models import AuditLog
from tests.admin.conftest import PASSWORD, login


@pytest_asyncio.fixture(loop_scope="function")
async def other_address(site_client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A second client of the same app, from another address."""
    transport = httpx.ASGITransport(app=site_client._transport.app, client=("203.0.113.7", 40000))  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_repeated_failures_answer_429_with_retry_after_even_for_the_right_password(site, site_client):
    await site.user("an", "supervisor")
    for _ in range(5):
        assert (await login(site_client, "an", "wrong-password")).status_code == 401
    response = await login(site_client, "an", PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "thử lại sau" in response.text


async def test_the_right_password_from_another_address_is_never_held(site, site_client, other_address):
    await site.user("an", "admin")
    for _ in range(12):
        await login(site_client, "an", "wrong-password")
    assert (await login(other_address, "an", PASSWORD)).status_code == 303


async def test_the_wait_grows_with_each_further_failure(site, site_client):
    from backend.core.db import utcnow
    from backend.staff import throttle

    async with site.db() as session:
        waits = [await throttle.failed(session=session, ip="198.51.100.1", username="an", now=utcnow())
                 for _ in range(8)]
    assert waits[:4] == [None] * 4
    assert waits[4] < waits[5] < waits[6] < waits[7]


async def test_an_unknown_account_and_a_wrong_password_get_the_same_answer(site, site_client):
    await site.user("an", "supervisor")
    known = await login(site_client, "an", "wrong-password")
    unknown = await login(site_client, "nobody", "wrong-password")
    assert known.status_code == unknown.status_code == 401
    error = '<p class="flash err"'
    assert known.text[known.text.index(error):][:200] == unknown.text[unknown.text.index(error):][:200]


async def test_a_deactivated_account_gets_the_same_answer_as_a_wrong_password(site, site_client):
    await site.user("an", "supervisor")
    async with site.db() as session:
        from backend.staff.models import User

        user = await session.scalar(select(User).where(User.username == "an"))
        user.active = False
    response = await login(site_client, "an", PASSWORD)
    assert response.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in response.text
    assert "khóa" not in response.text.split("<main", 1)[-1]


async def test_a_held_address_is_written_to_the_audit_log(site, site_client):
    await site.user("an", "supervisor")
    for _ in range(6):
        await login(site_client, "an", "wrong-password")
    async with site.db() as session:
        actions = (await session.scalars(select(AuditLog.action).order_by(AuditLog.id))).all()
    assert "login_throttled" in actions


async def test_the_api_token_route_is_throttled_the_same_way(site, site_client):
    await site.user("an", "supervisor")
    for _ in range(5):
        await site_client.post("/api/v1/auth/token", data={"username": "an", "password": "bad"})
    response = await site_client.post("/api/v1/auth/token", data={"username": "an", "password": PASSWORD})
    assert response.status_code == 429 and response.headers["retry-after"]
    assert response.json()["error"] == "too_many_requests"
