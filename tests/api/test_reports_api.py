"""The JSON API: auth, create, read, list, transitions, rating, and every bad input -> 4xx."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog.models import Agency
from tests.conftest import auth_headers

Factory = Callable[..., Awaitable[Any]]
GOOD = {"description": "Bán hàng rong tụ tập trước cổng trường", "latitude": 12.6675, "longitude": 108.0378}


@pytest.fixture
async def hotline(make_user: Factory) -> dict[str, str]:
    return auth_headers(await make_user("hotline"))


@pytest.fixture
async def cached(app_client: httpx.AsyncClient, make_user: Factory) -> tuple[int, dict[str, str]]:
    """A hotline account (id, headers) whose token the API has just verified and remembers."""
    user = await make_user("hotline", username="cached")
    headers = auth_headers(user)
    assert (await app_client.get("/api/v1/reports", headers=headers)).status_code == 200
    return user.id, headers


async def test_token_endpoint_issues_a_bearer_token(app_client: httpx.AsyncClient, make_user: Factory) -> None:
    await make_user("admin", username="boss", password="secret123")
    r = await app_client.post("/api/v1/auth/token", data={"username": "boss", "password": "secret123"})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"
    me = await app_client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.json()["role"] == "admin"


async def test_wrong_password_is_401(app_client: httpx.AsyncClient, make_user: Factory) -> None:
    await make_user("admin", username="boss2")
    r = await app_client.post("/api/v1/auth/token", data={"username": "boss2", "password": "nope"})
    assert r.status_code == 401 and "mật khẩu" in r.json()["detail"]


async def test_repeated_failures_are_throttled_not_locked(app_client: httpx.AsyncClient, make_user: Factory) -> None:
    await make_user("admin", username="boss3", password="secret123")
    for _ in range(5):
        await app_client.post("/api/v1/auth/token", data={"username": "boss3", "password": "bad"})
    r = await app_client.post("/api/v1/auth/token", data={"username": "boss3", "password": "secret123"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


async def test_a_deactivated_account_is_refused_at_once_despite_the_token_cache(
    app_client: httpx.AsyncClient, cached: tuple[int, dict[str, str]], session: AsyncSession
) -> None:
    from backend.staff.models import User

    user_id, headers = cached
    account = await session.get(User, user_id)
    assert account is not None
    account.active = False
    await session.commit()
    assert (await app_client.get("/api/v1/reports", headers=headers)).status_code == 401


async def test_a_verified_token_is_not_looked_up_again_within_seconds(make_user: Factory,
                                                                      session: AsyncSession) -> None:
    from sqlalchemy import event

    from backend.staff import service as staff_service

    user = await make_user("hotline", username="busy")
    token = staff_service.issue_token(user)
    first = await staff_service.user_from_token(session=session, token=token)
    statements: list[str] = []
    engine = session.bind.sync_engine  # type: ignore[union-attr]
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        second = await staff_service.user_from_token(session=session, token=token)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements == []
    assert second is first and second.username == "busy" and second not in session


async def test_reports_require_authentication(app_client: httpx.AsyncClient) -> None:
    assert (await app_client.get("/api/v1/reports")).status_code == 401


async def test_create_returns_the_contract_shape(app_client: httpx.AsyncClient, hotline: dict[str, str]) -> None:
    r = await app_client.post("/api/v1/reports", json={**GOOD, "phone": "0905 123 456"}, headers=hotline)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["code"].startswith("PA-") and body["category"] == "street_vending"
    assert body["channel"] == "hotline" and body["area"]["name"].startswith(("Phường", "Xã"))
    for key in ("status", "agency", "latitude", "longitude", "address", "attachments", "rating", "timeline"):
        assert key in body
    assert "phone" not in body and "reporter_phone" not in body


async def test_get_one_report_by_code(app_client: httpx.AsyncClient, hotline: dict[str, str]) -> None:
    code = (await app_client.post("/api/v1/reports", json=GOOD, headers=hotline)).json()["code"]
    r = await app_client.get(f"/api/v1/reports/{code.lower()}", headers=hotline)
    assert r.status_code == 200 and r.json()["code"] == code


async def test_list_filters_and_pages(app_client: httpx.AsyncClient, hotline: dict[str, str]) -> None:
    for _ in range(3):
        await app_client.post("/api/v1/reports", json=GOOD, headers=hotline)
    await app_client.post("/api/v1/reports", json={**GOOD, "category": "littering"}, headers=hotline)
    r = await app_client.get("/api/v1/reports", params={"category": "street_vending", "limit": 2}, headers=hotline)
    body = r.json()
    assert body["total"] == 3 and len(body["items"]) == 2
    r = await app_client.get("/api/v1/reports", params={"channel": "zalo"}, headers=hotline)
    assert r.json()["total"] == 0


async def test_officer_of_agency_a_gets_404_for_agency_b_report(
    app_client: httpx.AsyncClient,
    hotline: dict[str, str],
    make_user: Factory,
    session: AsyncSession,
) -> None:
    body = (await app_client.post("/api/v1/reports", json=GOOD, headers=hotline)).json()
    other = await session.scalar(select(Agency).where(Agency.code != body["agency"], Agency.kind == "department"))
    officer_b = auth_headers(await make_user("officer", agency_code=other.code))
    assert (await app_client.get(f"/api/v1/reports/{body['code']}", headers=officer_b)).status_code == 404
    r = await app_client.post(
        f"/api/v1/reports/{body['code']}/transitions", json={"action": "start"}, headers=officer_b
    )
    assert r.status_code == 404
    listed = await app_client.get("/api/v1/reports", headers=officer_b)
    assert listed.json()["total"] == 0


async def test_officer_works_a_report_to_resolved(
    app_client: httpx.AsyncClient, hotline: dict[str, str], make_user: Factory
) -> None:
    body = (await app_client.post("/api/v1/reports", json=GOOD, headers=hotline)).json()
    officer = auth_headers(await make_user("officer", agency_code=body["agency"]))
    r = await app_client.post(f"/api/v1/reports/{body['code']}/transitions", json={"action": "start"}, headers=officer)
    assert r.json()["status"] == "in_progress"
    r = await app_client.post(
        f"/api/v1/reports/{body['code']}/transitions",
        json={"action": "resolve", "note": "Đã giải tỏa"},
        headers=officer,
    )
    assert r.json()["status"] == "resolved"
    assert [e["action"] for e in r.json()["timeline"]][-2:] == ["start", "resolve"]


async def test_hotline_records_a_callers_rating(
    app_client: httpx.AsyncClient, hotline: dict[str, str], make_user: Factory
) -> None:
    code = (await app_client.post("/api/v1/reports", json=GOOD, headers=hotline)).json()["code"]
    admin = auth_headers(await make_user("admin"))
    await app_client.post(
        f"/api/v1/reports/{code}/transitions", json={"action": "resolve", "note": "ok"}, headers=admin
    )
    r = await app_client.post(
        f"/api/v1/reports/{code}/rating", json={"stars": 2, "comment": "Chưa sạch"}, headers=hotline
    )
    assert r.status_code == 200 and r.json()["offer_reopen"] is True
    assert (await app_client.get(f"/api/v1/reports/{code}", headers=hotline)).json()["rating"]["stars"] == 2


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        ({**GOOD, "description": ""}, 422, "description"),
        ({**GOOD, "description": "   "}, 422, "description"),
        ({**GOOD, "description": "x" * 4001}, 422, "description"),
        ({**GOOD, "description": "x"}, 422, "mô tả cần nói bằng chữ"),
        ({**GOOD, "description": "ab"}, 422, "mô tả cần nói bằng chữ"),
        ({**GOOD, "description": "😡😡😡"}, 422, "mô tả cần nói bằng chữ"),
        ({**GOOD, "description": "?!... ---"}, 422, "mô tả cần nói bằng chữ"),
        ({**GOOD, "description": "12345"}, 422, "mô tả cần nói bằng chữ"),
        ({**GOOD, "latitude": 123.0}, 422, "latitude"),
        ({**GOOD, "longitude": -200.0}, 422, "longitude"),
        ({**GOOD, "latitude": 10.7769, "longitude": 106.7009}, 422, "ngoài"),
        ({"description": "Rác", "latitude": 12.6675}, 422, "latitude"),
        ({"description": "Rác"}, 422, "address"),
        ({"description": "Rác", "address": "Quận 1, TP Hồ Chí Minh"}, 422, "address"),
        ({**GOOD, "channel": "fax"}, 422, "channel"),
        ({**GOOD, "category": "aliens"}, 422, "category"),
        ({**GOOD, "phone": "12"}, 422, "phone"),
    ],
)
async def test_bad_report_input_is_a_clear_4xx(
    app_client: httpx.AsyncClient, hotline: dict[str, str], payload: dict[str, Any], status: int, words: str
) -> None:
    r = await app_client.post("/api/v1/reports", json=payload, headers=hotline)
    assert r.status_code == status, r.text
    assert words in r.text


async def test_malformed_json_is_400(app_client: httpx.AsyncClient, hotline: dict[str, str]) -> None:
    r = await app_client.post(
        "/api/v1/reports", content=b'{"description": "x",', headers={**hotline, "Content-Type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["error"] == "malformed_json"


async def test_unknown_action_is_422(
    app_client: httpx.AsyncClient, hotline: dict[str, str], make_user: Factory
) -> None:
    code = (await app_client.post("/api/v1/reports", json=GOOD, headers=hotline)).json()["code"]
    admin = auth_headers(await make_user("admin"))
    r = await app_client.post(f"/api/v1/reports/{code}/transitions", json={"action": "teleport"}, headers=admin)
    assert r.status_code == 422 and "action" in r.text


async def test_illegal_transition_is_409(
    app_client: httpx.AsyncClient, hotline: dict[str, str], make_user: Factory
) -> None:
    code = (await app_client.post("/api/v1/reports", json=GOOD, headers=hotline)).json()["code"]
    admin = auth_headers(await make_user("admin"))
    r = await app_client.post(f"/api/v1/reports/{code}/transitions", json={"action": "close"}, headers=admin)
    assert r.status_code == 409 and r.json()["error"] == "invalid_transition"


async def test_hotline_may_not_change_status(app_client: httpx.AsyncClient, hotline: dict[str, str]) -> None:
    code = (await app_client.post("/api/v1/reports", json=GOOD, headers=hotline)).json()["code"]
    r = await app_client.post(f"/api/v1/reports/{code}/transitions", json={"action": "start"}, headers=hotline)
    assert r.status_code == 403


async def test_bad_image_is_422_and_report_is_kept(app_client: httpx.AsyncClient, hotline: dict[str, str]) -> None:
    code = (await app_client.post("/api/v1/reports", json=GOOD, headers=hotline)).json()["code"]
    r = await app_client.post(
        f"/api/v1/reports/{code}/photos", files={"photo": ("a.jpg", b"<html>no</html>", "image/jpeg")}, headers=hotline
    )
    assert r.status_code == 422 and "ảnh" in r.json()["detail"]
    assert (await app_client.get(f"/api/v1/reports/{code}", headers=hotline)).status_code == 200


async def test_unknown_report_is_404(app_client: httpx.AsyncClient, hotline: dict[str, str]) -> None:
    r = await app_client.get("/api/v1/reports/PA-ZZZZZZ", headers=hotline)
    assert r.status_code == 404 and "PA-ZZZZZZ" in r.json()["detail"]


async def test_reference_data_lists(app_client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/categories", "/api/v1/agencies", "/api/v1/areas"):
        items = (await app_client.get(path)).json()["items"]
        assert items and {"code", "name"} <= set(items[0])


async def test_nlu_parse_answers_in_rasa_shape(app_client: httpx.AsyncClient) -> None:
    r = await app_client.post("/api/v1/nlu/parse", json={"text": "đổ rác bừa bãi ra đường"})
    body = r.json()
    assert set(body) >= {"text", "intent", "intent_ranking", "entities"} and body["intent"]["name"] == "littering"


async def test_healthz_reports_database_ok(app_client: httpx.AsyncClient) -> None:
    r = await app_client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


async def test_openapi_docs_are_served(app_client: httpx.AsyncClient) -> None:
    assert (await app_client.get("/openapi.json")).json()["info"]["title"] == "PhanAnh API"


async def test_the_token_cache_forgets_accounts_removed_in_bulk(
    app_client: httpx.AsyncClient, cached: tuple[int, dict[str, str]], session: AsyncSession
) -> None:
    from sqlalchemy import delete

    from backend.staff.models import User

    user_id, headers = cached
    await session.execute(delete(User).where(User.id == user_id))
    await session.commit()
    assert (await app_client.get("/api/v1/reports", headers=headers)).status_code == 401


async def test_the_channel_of_an_api_report_is_the_routes_never_the_bodys(app_client, make_user, session):
    hotline = auth_headers(await make_user("hotline"))
    body = {"description": "Rác đổ bừa bãi trước chợ", "latitude": 12.67, "longitude": 108.04, "channel": "zalo"}
    response = await app_client.post("/api/v1/reports", json=body, headers=hotline)
    assert response.status_code == 201 and response.json()["channel"] == "hotline"
    admin = auth_headers(await make_user("admin"))
    response = await app_client.post("/api/v1/reports", json={**body, "channel": "open311"}, headers=admin)
    assert response.status_code == 201 and response.json()["channel"] == "api"


async def test_a_supervisor_merges_a_duplicate_through_the_transitions_endpoint(
    app_client: httpx.AsyncClient, hotline: dict[str, str], make_user: Factory
) -> None:
    original = (await app_client.post("/api/v1/reports", json=GOOD, headers=hotline)).json()["code"]
    copy = (await app_client.post("/api/v1/reports", json=GOOD, headers=hotline)).json()["code"]
    supervisor = auth_headers(await make_user("supervisor"))
    url = f"/api/v1/reports/{copy}/transitions"
    missing = await app_client.post(url, json={"action": "duplicate"}, headers=supervisor)
    assert missing.status_code == 422 and missing.json()["error"]
    r = await app_client.post(url, json={"action": "duplicate", "original": original}, headers=supervisor)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed"
    assert r.json()["timeline"][-1]["action"] == "duplicate"
