import httpx


async def test_services_list_the_categories(app_client: httpx.AsyncClient) -> None:
    codes = {s["service_code"] for s in (await app_client.get("/open311/v2/services.json")).json()}
    assert {"encroachment", "littering", "other"} <= codes


async def test_post_then_get_a_request(app_client: httpx.AsyncClient, open311_key: str) -> None:
    r = await app_client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "littering",
            "description": "Rác đổ đầy gốc cây",
            "lat": "12.6675",
            "long": "108.0378",
            "phone": "0905123456",
            "api_key": open311_key,
        },
    )
    assert r.status_code == 200, r.text
    code = r.json()[0]["service_request_id"]
    one = (await app_client.get(f"/open311/v2/requests/{code}.json")).json()[0]
    assert one["status"] == "open" and one["service_code"] == "littering"
    assert "0905123456" not in str(one)
    listed = (await app_client.get("/open311/v2/requests.json", params={"status": "open"})).json()
    assert code in [x["service_request_id"] for x in listed]


async def test_post_outside_the_province_is_400(app_client: httpx.AsyncClient, open311_key: str) -> None:
    r = await app_client.post(
        "/open311/v2/requests.json",
        data={"service_code": "littering", "description": "Rác đổ ven đường", "lat": "21.02", "long": "105.85",
              "api_key": open311_key},
    )
    assert r.status_code == 400 and "ngoài" in r.json()[0]["description"]


async def test_post_with_unknown_service_is_400(app_client: httpx.AsyncClient, open311_key: str) -> None:
    r = await app_client.post(
        "/open311/v2/requests.json",
        data={"service_code": "nope", "description": "Rác đổ ven đường", "lat": "12.6675", "long": "108.0378",
              "api_key": open311_key},
    )
    assert r.status_code == 400


async def test_unknown_request_is_404(app_client: httpx.AsyncClient) -> None:
    assert (await app_client.get("/open311/v2/requests/PA-ZZZZZZ.json")).status_code == 404
