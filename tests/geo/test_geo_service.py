"""The async geo service over a real (throwaway SQLite) area table, offline and via Nominatim."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.geo import service


async def test_offline_geocode_places_an_old_address(session: AsyncSession) -> None:
    result = await service.geocode(session=session, address="phường Tân Lợi, TP. Buôn Ma Thuột")
    assert result is not None
    assert (result.area_code, result.source) == ("24133", "offline")


async def test_offline_geocode_of_another_province_is_none(session: AsyncSession) -> None:
    assert await service.geocode(session=session, address="Quận 1, TP Hồ Chí Minh") is None


async def test_locate_returns_the_area_row(session: AsyncSession) -> None:
    area = await service.locate(session=session, latitude=13.0833, longitude=109.30)
    assert area is not None and area.name == "Phường Tuy Hòa"


async def test_locate_outside_is_none(session: AsyncSession) -> None:
    assert await service.locate(session=session, latitude=12.24, longitude=109.19) is None


async def test_area_choices_suggest_by_prefix(session: AsyncSession) -> None:
    choices = await service.area_choices(session=session, prefix="ea k", limit=5)
    assert 0 < len(choices) <= 5
    assert all(c.display_name.startswith("Xã Ea K") or c.display_name.startswith("Phường Ea K") for c in choices)


async def test_invalidate_cache_rebuilds_from_the_table(session: AsyncSession) -> None:
    first = await service.gazetteer(session=session)
    service.invalidate_cache()
    assert await service.gazetteer(session=session) is not first


# ---- Nominatim over real HTTP ----------------------------------------------------------------


class _Nominatim(BaseHTTPRequestHandler):
    answer: list[dict] = []
    seen: list[dict[str, list[str]]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        type(self).seen.append({"path": [url.path], **parse_qs(url.query)})
        body = json.dumps(type(self).answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def nominatim(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Nominatim]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Nominatim)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    _Nominatim.seen = []
    settings = get_settings()
    monkeypatch.setattr(settings, "geocoder", "nominatim")
    monkeypatch.setattr(settings, "nominatim_url", f"http://127.0.0.1:{server.server_address[1]}")
    yield _Nominatim
    server.shutdown()
    server.server_close()


def _place(lat: float, lon: float, name: str) -> dict:
    return {"place_id": 1, "lat": str(lat), "lon": str(lon), "display_name": name, "osm_type": "way", "osm_id": 2}


async def test_nominatim_answer_is_placed_in_its_ward(session: AsyncSession, nominatim: type[_Nominatim]) -> None:
    nominatim.answer = [_place(12.6660, 108.0380, "Lê Duẩn, Buôn Ma Thuột, Đắk Lắk, Việt Nam")]
    result = await service.geocode(session=session, address="12 Lê Duẩn, Buôn Ma Thuột")
    assert result is not None
    assert result.source == "nominatim"
    assert (result.latitude, result.longitude) == (12.6660, 108.0380)
    assert result.area_code == "24133"
    assert result.display_name.startswith("Lê Duẩn")


async def test_nominatim_is_asked_within_the_province(session: AsyncSession, nominatim: type[_Nominatim]) -> None:
    nominatim.answer = [_place(12.6660, 108.0380, "Buôn Ma Thuột")]
    await service.geocode(session=session, address="Lê Duẩn, BMT")
    (request,) = nominatim.seen
    assert request["path"] == ["/search"]
    assert request["countrycodes"] == ["vn"]
    assert request["bounded"] == ["1"]
    assert "viewbox" in request


async def test_nominatim_without_answer_falls_back_offline(session: AsyncSession, nominatim: type[_Nominatim]) -> None:
    nominatim.answer = []
    result = await service.geocode(session=session, address="phường Tân Lợi, TP. Buôn Ma Thuột")
    assert result is not None and (result.source, result.area_code) == ("offline", "24133")


async def test_nominatim_down_falls_back_offline(session: AsyncSession, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = get_settings()
    monkeypatch.setattr(settings, "geocoder", "nominatim")
    monkeypatch.setattr(settings, "nominatim_url", f"http://127.0.0.1:{port}")
    result = await service.geocode(session=session, address="123 Lê Duẩn, P. Tân Lập, BMT")
    assert result is not None
    assert (result.source, result.area_code) == ("offline", "24121")


async def test_nominatim_street_answer_is_street_precision(session: AsyncSession, nominatim: type[_Nominatim]) -> None:
    street = _place(12.6660, 108.0380, "Lê Duẩn, Buôn Ma Thuột")
    nominatim.answer = [{**street, "place_rank": 26, "class": "highway"}]
    result = await service.geocode(session=session, address="12 Lê Duẩn, Buôn Ma Thuột")
    assert result is not None and result.precision == "street" and not result.approximate


async def test_an_offline_answer_is_ward_precision(session: AsyncSession) -> None:
    result = await service.geocode(session=session, address="123 Lê Duẩn, phường Tân Lập")
    assert result is not None and result.precision == "ward" and result.approximate
    assert result.street == "123 Lê Duẩn" and result.area_name == "Phường Tân Lập"
