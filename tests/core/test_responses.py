"""compact_json: orjson-encoded, gzipped only for a client that accepts it and only when it pays."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime

import orjson
from starlette.requests import Request

from backend.core.responses import compact_json


def _request(accept_encoding: str | None) -> Request:
    headers = [(b"accept-encoding", accept_encoding.encode())] if accept_encoding else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""})


BIG = {"items": [[f"PA-{i:06d}", 12.6 + i / 1e4, 108.0, i % 7, i % 2] for i in range(500)]}


def test_a_big_answer_is_gzipped_for_a_client_that_accepts_it():
    resp = compact_json(_request("br, gzip;q=0.8"), BIG)
    assert resp.headers["content-encoding"] == "gzip" and resp.headers["vary"] == "Accept-Encoding"
    assert orjson.loads(gzip.decompress(resp.body)) == BIG
    assert len(resp.body) < len(orjson.dumps(BIG)) / 3


def test_no_gzip_for_a_client_that_does_not_accept_it():
    resp = compact_json(_request(None), BIG)
    assert "content-encoding" not in resp.headers and orjson.loads(resp.body) == BIG


def test_a_small_answer_is_sent_as_it_is():
    resp = compact_json(_request("gzip"), {"ok": True})
    assert "content-encoding" not in resp.headers and resp.body == b'{"ok":true}'


def test_dates_are_iso_8601():
    resp = compact_json(_request(None), {"day": date(2026, 12, 1), "at": datetime(2026, 12, 1, 8, 30, tzinfo=UTC)})
    assert orjson.loads(resp.body) == {"day": "2026-12-01", "at": "2026-12-01T08:30:00+00:00"}
