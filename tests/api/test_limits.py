"""Request bodies over the limit are refused with 413 before they are read whole."""

import json
import socket
from urllib.parse import urlsplit


async def test_a_json_body_over_the_limit_is_413(app_client, session):
    big = json.dumps({"description": "Lấn chiếm vỉa hè " + "x" * (3 * 1024 * 1024)})
    response = await app_client.post("/api/v1/reports", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large" and "MB" in response.json()["detail"]


async def test_a_chunked_body_over_the_limit_is_413(app_client, session):
    async def chunks():
        for _ in range(40):
            yield b"x" * (128 * 1024)

    response = await app_client.post("/api/v1/reports", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


async def test_a_body_under_the_limit_still_gets_its_validation_answer(app_client, session):
    response = await app_client.post("/api/v1/reports", json={"description": 1})
    assert response.status_code in (401, 422)


def test_the_server_answers_413_from_the_headers_without_waiting_for_the_body(live_app):
    url = urlsplit(live_app.url)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 52428800\r\n\r\n{\"description\": \"")
        answer = sock.recv(4096).decode(errors="replace")  # no more body is ever sent
    assert answer.startswith("HTTP/1.1 413")


def test_uploads_may_carry_every_photo_a_report_may_have():
    from backend.core.config import get_settings
    from backend.core.limits import limit_for

    settings = get_settings()
    assert limit_for("multipart/form-data; boundary=x") > settings.photo_max_bytes * settings.photos_per_report
    assert limit_for("application/json") == settings.request_max_bytes
