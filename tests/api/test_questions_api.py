"""POST /api/v1/reports/{code}/questions: an officer asks the reporter; no chat, a call-back task."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import auth_headers

GOOD = {"description": "Xe tải đổ xà bần ra lề đường Nguyễn Tất Thành", "latitude": 12.6675, "longitude": 108.0378}


@pytest.fixture
async def supervisor(make_user) -> dict[str, str]:
    return auth_headers(await make_user("supervisor"))


@pytest.mark.parametrize("channel", ["hotline", "web"])
async def test_a_reporter_without_a_chat_gets_a_call_back_task(channel: str, app_client: httpx.AsyncClient,
                                                               supervisor: dict[str, str]) -> None:
    code = (await app_client.post("/api/v1/reports", json={**GOOD, "channel": channel, "phone": "0905123456"},
                                  headers=supervisor)).json()["code"]
    resp = await app_client.post(f"/api/v1/reports/{code}/questions", json={"text": "Số nhà bao nhiêu ạ?"},
                                 headers=supervisor)
    assert resp.status_code == 201, resp.text
    assert resp.json()["status"] == "callback" and resp.json()["via"] == "callback"
    timeline = (await app_client.get(f"/api/v1/reports/{code}", headers=supervisor)).json()["timeline"]
    assert [e["note"] for e in timeline if e["action"] == "question"] == ["Số nhà bao nhiêu ạ?"]


async def test_an_empty_question_is_a_clear_422(app_client: httpx.AsyncClient, supervisor: dict[str, str]) -> None:
    code = (await app_client.post("/api/v1/reports", json=GOOD, headers=supervisor)).json()["code"]
    resp = await app_client.post(f"/api/v1/reports/{code}/questions", json={"text": ""}, headers=supervisor)
    assert resp.status_code == 422 and resp.json()["error"] == "validation_error"


async def test_a_question_needs_a_signed_in_officer(app_client: httpx.AsyncClient) -> None:
    resp = await app_client.post("/api/v1/reports/PA-ABC234/questions", json={"text": "Ở đâu?"})
    assert resp.status_code == 401


async def test_an_unknown_report_is_404(app_client: httpx.AsyncClient, supervisor: dict[str, str]) -> None:
    resp = await app_client.post("/api/v1/reports/PA-ZZZZZZ/questions", json={"text": "Ở đâu?"}, headers=supervisor)
    assert resp.status_code == 404
