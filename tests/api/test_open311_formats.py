"""Open311 GeoReport v2 as the spec says (issue 11 item 15): every route in XML (the default) and
JSON, service definitions, discovery, and errors as the spec's list on every path."""

from __future__ import annotations

from xml.etree import ElementTree

import httpx
import pytest

POST = {"service_code": "littering", "description": "Rác đổ đầy gốc cây", "lat": "12.6675", "long": "108.0378"}


def xml(response: httpx.Response) -> ElementTree.Element:
    assert response.headers["content-type"].startswith("text/xml"), response.headers["content-type"]
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ElementTree.fromstring(response.content)


def xml_error(response: httpx.Response, status: int) -> str:
    root = xml(response)
    assert response.status_code == status and root.tag == "errors"
    (error,) = root.findall("error")
    assert error.findtext("code") == str(status)
    return error.findtext("description") or ""


def json_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status and response.headers["content-type"].startswith("application/json")
    (error,) = response.json()
    assert error["code"] == status and set(error) == {"code", "description"}
    return error["description"]


async def filed(app_client: httpx.AsyncClient, key: str) -> str:
    response = await app_client.post("/open311/v2/requests.json", data={**POST, "api_key": key})
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


async def test_services_xml_lists_each_service_as_the_spec_names_it(app_client: httpx.AsyncClient) -> None:
    root = xml(await app_client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    littering = next(s for s in root.findall("service") if s.findtext("service_code") == "littering")
    assert littering.findtext("service_name") and littering.findtext("metadata") == "false"
    assert littering.findtext("type") == "realtime"


async def test_a_route_with_no_extension_answers_in_xml(app_client: httpx.AsyncClient) -> None:
    assert xml(await app_client.get("/open311/v2/services")).tag == "services"


async def test_a_service_definition_in_json_and_xml(app_client: httpx.AsyncClient) -> None:
    as_json = (await app_client.get("/open311/v2/services/littering.json")).json()
    assert as_json == {"service_code": "littering", "attributes": []}
    root = xml(await app_client.get("/open311/v2/services/littering.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "littering"
    assert root.find("attributes") is not None and list(root.find("attributes")) == []


async def test_an_unknown_service_definition_is_a_404_error_list(app_client: httpx.AsyncClient) -> None:
    assert "nope" in xml_error(await app_client.get("/open311/v2/services/nope.xml"), 404)
    assert "nope" in json_error(await app_client.get("/open311/v2/services/nope.json"), 404)


async def test_post_in_xml_answers_a_service_request_list(app_client: httpx.AsyncClient, open311_key: str) -> None:
    root = xml(await app_client.post("/open311/v2/requests.xml", data={**POST, "api_key": open311_key}))
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert (request.findtext("service_request_id") or "").startswith("PA-")
    assert request.find("account_id") is not None


async def test_get_requests_in_xml(app_client: httpx.AsyncClient, open311_key: str) -> None:
    code = await filed(app_client, open311_key)
    one = xml(await app_client.get(f"/open311/v2/requests/{code}.xml")).find("request")
    assert one is not None and one.findtext("service_request_id") == code and one.findtext("status") == "open"
    assert one.findtext("service_code") == "littering" and float(one.findtext("lat") or 0) == pytest.approx(12.6675)
    listed = xml(await app_client.get("/open311/v2/requests.xml", params={"status": "open"}))
    assert code in [r.findtext("service_request_id") for r in listed.findall("request")]


async def test_a_post_without_a_key_in_xml_is_a_403_error_list(app_client: httpx.AsyncClient) -> None:
    assert "api_key" in xml_error(await app_client.post("/open311/v2/requests.xml", data=POST), 403)


async def test_a_bad_latitude_is_a_400_error_list(app_client: httpx.AsyncClient, open311_key: str) -> None:
    data = {**POST, "lat": "north", "api_key": open311_key}
    assert "lat" in json_error(await app_client.post("/open311/v2/requests.json", data=data), 400)
    assert "lat" in xml_error(await app_client.post("/open311/v2/requests.xml", data=data), 400)


async def test_a_bad_query_parameter_is_the_spec_error_not_fastapis(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/open311/v2/requests.json", params={"page_size": "0"})
    assert "page_size" in json_error(response, 400)
    assert "page_size" in xml_error(await app_client.get("/open311/v2/requests.xml", params={"page_size": "x"}), 400)


async def test_an_unknown_request_is_a_404_in_both_formats(app_client: httpx.AsyncClient) -> None:
    json_error(await app_client.get("/open311/v2/requests/PA-ZZZZZZ.json"), 404)
    xml_error(await app_client.get("/open311/v2/requests/PA-ZZZZZZ.xml"), 404)


async def test_an_unknown_route_is_a_404_error_list(app_client: httpx.AsyncClient) -> None:
    json_error(await app_client.get("/open311/v2/tokens/abc.json"), 404)
    xml_error(await app_client.get("/open311/v2/nothing-here"), 404)


async def test_a_known_route_with_another_method_is_a_405_error_list(app_client: httpx.AsyncClient) -> None:
    json_error(await app_client.delete("/open311/v2/requests.json"), 405)


async def test_throttled_posts_are_a_429_error_list_with_retry_after(app_client, open311_key, monkeypatch) -> None:
    from backend.core.config import get_settings

    monkeypatch.setattr(get_settings(), "open311_key_per_minute", 1)
    await filed(app_client, open311_key)
    response = await app_client.post("/open311/v2/requests.xml", data={**POST, "api_key": open311_key})
    xml_error(response, 429)
    assert int(response.headers["retry-after"]) >= 1


async def test_discovery_lists_the_v2_endpoint_and_both_formats(app_client: httpx.AsyncClient) -> None:
    found = (await app_client.get("/open311/discovery.json")).json()
    (endpoint,) = found["endpoints"]
    assert endpoint["url"].endswith("/open311/v2") and set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml(await app_client.get("/open311/discovery.xml"))
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


async def test_a_body_over_the_limit_is_a_413_error_list(app_client: httpx.AsyncClient, monkeypatch) -> None:
    from backend.core.config import get_settings

    monkeypatch.setattr(get_settings(), "request_max_bytes", 2048)
    data = {**POST, "description": "rác " * 2000}
    assert "MB" in xml_error(await app_client.post("/open311/v2/requests.xml", data=data), 413)
    json_error(await app_client.post("/open311/v2/requests.json", data=data), 413)
