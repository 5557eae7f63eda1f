"""Open311 hardening (issue 17 items 3, 6, 10, 12; issue 11 item 15's key): POST only with an
issued, unrevoked api_key, limited per key; GET masks personal data like the portal; look-ups
limited per client with capped id lists; out-of-range dates are a 400, not a 500."""

from __future__ import annotations

import os

import httpx
import pytest

POST = {"service_code": "littering", "description": "Rác đổ đầy gốc cây, gọi 0905 123 456 nhé",
        "lat": "12.6675", "long": "108.0378"}


@pytest.fixture
def small_limits(session):
    from backend.core.config import get_settings

    os.environ.update({"OPEN311_KEY_PER_MINUTE": "3", "LOOKUP_PER_MINUTE": "5", "LOOKUP_MAX_CODES": "10"})
    get_settings.cache_clear()
    yield
    for key in ("OPEN311_KEY_PER_MINUTE", "LOOKUP_PER_MINUTE", "LOOKUP_MAX_CODES"):
        os.environ.pop(key, None)
    get_settings.cache_clear()


async def test_a_post_without_an_api_key_is_refused(app_client: httpx.AsyncClient) -> None:
    response = await app_client.post("/open311/v2/requests.json", data=POST)
    assert response.status_code == 403
    assert "api_key" in response.json()[0]["description"]


async def test_a_post_with_a_revoked_key_is_refused(app_client: httpx.AsyncClient, session, open311_key) -> None:
    from backend.open311 import keys

    await keys.revoke(session=session, name="tich-hop-thu")
    await session.commit()
    response = await app_client.post("/open311/v2/requests.json", data={**POST, "api_key": open311_key})
    assert response.status_code == 403


async def test_posts_are_rate_limited_per_key(app_client: httpx.AsyncClient, open311_key, small_limits) -> None:
    answers = [(await app_client.post("/open311/v2/requests.json", data={**POST, "api_key": open311_key})).status_code
               for _ in range(4)]
    assert answers[:3] == [200, 200, 200] and answers[3] == 429


async def test_get_masks_a_phone_number_typed_into_the_description(app_client, open311_key) -> None:
    created = await app_client.post("/open311/v2/requests.json", data={**POST, "api_key": open311_key})
    code = created.json()[0]["service_request_id"]
    one = (await app_client.get(f"/open311/v2/requests/{code}.json")).json()[0]
    assert "123 456" not in one["description"] and "•••" in one["description"]
    listed = (await app_client.get("/open311/v2/requests.json", params={"service_request_id": code})).json()
    assert "123 456" not in listed[0]["description"]


async def test_a_start_date_in_year_one_is_a_400(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/open311/v2/requests.json", params={"start_date": "0001-01-01T00:00:00"})
    assert response.status_code == 400


async def test_a_list_of_more_ids_than_the_cap_is_a_400(app_client: httpx.AsyncClient, small_limits) -> None:
    codes = ",".join(f"PA-{i:06d}" for i in range(11))
    response = await app_client.get("/open311/v2/requests.json", params={"service_request_id": codes})
    assert response.status_code == 400 and "at most 10" in response.json()[0]["description"]


async def test_tracking_code_lookups_are_rate_limited_per_client(app_client: httpx.AsyncClient, small_limits) -> None:
    answers = [(await app_client.get("/open311/v2/requests/PA-ZZZZZZ.json")).status_code for _ in range(6)]
    assert answers[:5] == [404] * 5 and answers[5] == 429
    limited = await app_client.get("/open311/v2/requests/PA-ZZZZZZ.json")
    assert int(limited.headers["retry-after"]) >= 1
