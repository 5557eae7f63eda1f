"""NLU_BACKEND=rasa against real local HTTP servers: down, slow, broken, and a working stand-in."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from nlu import CATEGORIES, service
from tests.nlu.conftest import SwitchToRasa, free_port

LITTERING = "Có người đổ trộm rác thải ra bãi đất trống ban đêm"


def rasa_answer(text: str) -> dict:
    ranking = [{"name": "other", "confidence": 0.9}, {"name": "greet", "confidence": 0.06}]
    ranking += [{"name": c, "confidence": 0.005} for c in CATEGORIES if c != "other"]
    return {"text": text, "intent": ranking[0], "intent_ranking": ranking, "entities": []}


@contextmanager
def http_server(respond: Callable[[BaseHTTPRequestHandler, dict], None]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering POST /model/parse with `respond`."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            respond(self, body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def send_json(handler: BaseHTTPRequestHandler, payload: object, status: int = 200) -> None:
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


async def test_rasa_down_builtin_answers_and_status_counts_it(use_rasa: SwitchToRasa) -> None:
    use_rasa(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    result = await service.classify(LITTERING)
    assert result.category == "littering"
    status = service.status()
    assert status["backend"] == "rasa"
    assert status["rasa_ok"] is False
    assert status["fallbacks"] == 1
    assert status["last_error"]


async def test_rasa_slow_builtin_answers_within_the_timeout(use_rasa: SwitchToRasa) -> None:
    def slow(handler: BaseHTTPRequestHandler, body: dict) -> None:
        time.sleep(1.5)
        send_json(handler, rasa_answer(body["text"]))

    with http_server(slow) as url:
        use_rasa(url, timeout=0.3)
        started = time.monotonic()
        parsed = await service.parse(LITTERING)
        assert time.monotonic() - started < 1.2
    assert parsed["intent"]["name"] == "littering"
    assert service.status()["fallbacks"] == 1
    assert "Timeout" in service.status()["last_error"]


async def test_rasa_server_error_falls_back(use_rasa: SwitchToRasa) -> None:
    with http_server(lambda h, _body: send_json(h, {"error": "no model"}, status=500)) as url:
        use_rasa(url)
        result = await service.classify(LITTERING)
    assert result.category == "littering"
    assert service.status()["fallbacks"] == 1


async def test_rasa_answer_without_intent_falls_back(use_rasa: SwitchToRasa) -> None:
    with http_server(lambda h, _body: send_json(h, {"version": "3.6.21"})) as url:
        use_rasa(url)
        parsed = await service.parse(LITTERING)
    assert parsed["intent"]["name"] == "littering"
    assert service.status()["fallbacks"] == 1


async def test_working_rasa_is_used(use_rasa: SwitchToRasa) -> None:
    seen: list[str] = []

    def answer(handler: BaseHTTPRequestHandler, body: dict) -> None:
        seen.append(body["text"])
        send_json(handler, rasa_answer(body["text"]))

    with http_server(answer) as url:
        use_rasa(url)
        parsed = await service.parse(LITTERING)
        result = await service.classify(LITTERING)
        sync_result = service.classify_sync(LITTERING)
    assert seen == [LITTERING] * 3
    assert parsed == rasa_answer(LITTERING)  # Rasa's answer, not the built-in "littering"
    assert (result.category, result.confidence, result.unsure, result.intent) == ("other", 0.9, False, "other")
    assert sync_result == result
    assert service.status() == {
        "backend": "rasa",
        "model": service.status()["model"],
        "rasa_ok": True,
        "fallbacks": 0,
        "last_error": None,
    }


def test_rasa_fallback_intent_makes_the_classification_unsure(use_rasa: SwitchToRasa, nlu_env: Path) -> None:
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "wastewater", "confidence": 0.41},
        {"name": "littering", "confidence": 0.39},
    ]

    def answer(handler: BaseHTTPRequestHandler, body: dict) -> None:
        send_json(handler, {"text": body["text"], "intent": ranking[0], "intent_ranking": ranking, "entities": []})

    with http_server(answer) as url:
        use_rasa(url)
        result = service.classify_sync("nước chảy ra đường")
    assert (result.category, result.confidence, result.unsure, result.intent) == (
        "wastewater",
        0.41,
        True,
        "nlu_fallback",
    )


async def test_after_a_failure_rasa_is_left_alone_for_a_while(use_rasa: SwitchToRasa) -> None:
    calls: list[str] = []

    def slow(handler: BaseHTTPRequestHandler, body: dict) -> None:
        calls.append(body["text"])
        time.sleep(1.0)
        send_json(handler, rasa_answer(body["text"]))

    with http_server(slow) as url:
        use_rasa(url, timeout=0.2)
        await service.parse(LITTERING)
        started = time.monotonic()
        parsed = await service.parse(LITTERING)
        assert time.monotonic() - started < 0.15  # no second wait for the timeout
    assert parsed["intent"]["name"] == "littering"
    assert len(calls) == 1
    assert service.status()["fallbacks"] == 2
