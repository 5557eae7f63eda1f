"""Open311 photos and contact (issue 11 item 15): `media_url` in a read is the approved photo
itself; `media_url` on POST is fetched from a real HTTP server (bounded, checked by content, a
failure keeps the report); `email` is stored as the reporter's contact and never shown."""

from __future__ import annotations

import io
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.reports.models import Attachment, Report, ReportEvent

sys.path.insert(0, str(Path(__file__).parents[1] / "bot"))
from standins import Server, jpeg

POST = {"service_code": "littering", "description": "Rác đổ đầy gốc cây", "lat": "12.6675", "long": "108.0378"}


class MediaHost(Server):
    """Serves a photo, a page that is no image, a body too large, and a redirect to the photo."""

    def __init__(self) -> None:
        super().__init__()
        self.photo = jpeg((30, 90, 200))
        self.app.router.add_get("/photo.jpg", self.photo_jpg)
        self.app.router.add_get("/page.jpg", self.page_jpg)
        self.app.router.add_get("/huge.jpg", self.huge_jpg)
        self.app.router.add_get("/moved.jpg", self.moved_jpg)

    async def photo_jpg(self, _request: web.Request) -> web.Response:
        return web.Response(body=self.photo, content_type="image/jpeg")

    async def page_jpg(self, _request: web.Request) -> web.Response:
        return web.Response(text="<html>not a photo</html>", content_type="image/jpeg")

    async def huge_jpg(self, _request: web.Request) -> web.Response:
        return web.Response(body=b"\xff\xd8" + b"0" * 300_000, content_type="image/jpeg")

    async def moved_jpg(self, _request: web.Request) -> web.Response:
        raise web.HTTPFound("/photo.jpg")


@pytest_asyncio.fixture
async def media_host(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[MediaHost]:
    from backend.core.config import get_settings

    monkeypatch.setattr(get_settings(), "open311_media_private_hosts", True)  # the stand-in is on 127.0.0.1
    host = MediaHost()
    await host.start()
    yield host
    await host.stop()


async def post(app_client: httpx.AsyncClient, key: str, **extra: str) -> tuple[httpx.Response, str]:
    response = await app_client.post("/open311/v2/requests.json", data={**POST, "api_key": key, **extra})
    assert response.status_code == 200, response.text
    return response, response.json()[0]["service_request_id"]


async def photos_of(session: AsyncSession, code: str) -> list[Attachment]:
    report_id = await session.scalar(select(Report.id).where(Report.code == code))
    return list((await session.scalars(select(Attachment).where(Attachment.report_id == report_id))).all())


async def test_a_posted_media_url_is_fetched_and_stored_as_the_reports_photo(
    app_client, session, open311_key, media_host
) -> None:
    _response, code = await post(app_client, open311_key, media_url=f"{media_host.url}/photo.jpg")
    (photo,) = await photos_of(session, code)
    assert photo.content_type == "image/jpeg" and not photo.public  # staff approve it first, like any photo


async def test_a_redirect_to_the_photo_is_followed(app_client, session, open311_key, media_host) -> None:
    _response, code = await post(app_client, open311_key, media_url=f"{media_host.url}/moved.jpg")
    assert len(await photos_of(session, code)) == 1


async def test_a_media_url_that_is_no_image_keeps_the_report_and_notes_why(
    app_client, session, open311_key, media_host
) -> None:
    response, code = await post(app_client, open311_key, media_url=f"{media_host.url}/page.jpg")
    assert await photos_of(session, code) == []
    assert "ảnh" in response.json()[0]["service_notice"]
    report_id = await session.scalar(select(Report.id).where(Report.code == code))
    notes = (await session.scalars(select(ReportEvent.note).where(ReportEvent.report_id == report_id,
                                                                  ReportEvent.public.is_(False)))).all()
    assert any("page.jpg" in (n or "") for n in notes)


async def test_a_media_url_over_the_photo_limit_is_not_stored(
    app_client, session, open311_key, media_host, monkeypatch
) -> None:
    from backend.core.config import get_settings

    monkeypatch.setattr(get_settings(), "photo_max_bytes", 100_000)
    response, code = await post(app_client, open311_key, media_url=f"{media_host.url}/huge.jpg")
    assert await photos_of(session, code) == [] and "MB" in response.json()[0]["service_notice"]


async def test_a_media_url_into_a_private_network_is_refused(app_client, session, open311_key) -> None:
    response, code = await post(app_client, open311_key, media_url="http://127.0.0.1:9/photo.jpg")
    assert await photos_of(session, code) == [] and "nội bộ" in response.json()[0]["service_notice"]


async def test_an_unreachable_media_url_keeps_the_report(app_client, session, open311_key, media_host) -> None:
    from standins import free_port

    _response, code = await post(app_client, open311_key, media_url=f"http://127.0.0.1:{free_port()}/x.jpg")
    assert await session.scalar(select(Report.id).where(Report.code == code)) is not None


async def test_a_photo_uploaded_as_media_is_stored(app_client, session, open311_key) -> None:
    response = await app_client.post("/open311/v2/requests.json", data={**POST, "api_key": open311_key},
                                     files={"media": ("hien-truong.jpg", io.BytesIO(jpeg()), "image/jpeg")})
    assert response.status_code == 200, response.text
    assert len(await photos_of(session, response.json()[0]["service_request_id"])) == 1


async def test_media_url_in_a_read_is_the_approved_photo_itself(app_client, session, open311_key, media_host) -> None:
    _response, code = await post(app_client, open311_key, media_url=f"{media_host.url}/photo.jpg")
    before = (await app_client.get(f"/open311/v2/requests/{code}.json")).json()[0]
    assert before["media_url"] is None  # not approved yet: nothing public to show
    (photo,) = await photos_of(session, code)
    await session.execute(update(Attachment).where(Attachment.id == photo.id).values(public=True))
    await session.commit()
    after = (await app_client.get(f"/open311/v2/requests/{code}.json")).json()[0]
    assert after["media_url"].startswith("http") and "/media/" in after["media_url"]
    image = await app_client.get(httpx.URL(after["media_url"]).path)
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/")


async def test_email_is_stored_as_the_reporters_contact_and_never_shown(app_client, session, open311_key) -> None:
    _response, code = await post(app_client, open311_key, email="nguoi.dan@example.vn")
    one = await app_client.get(f"/open311/v2/requests/{code}.xml")
    listed = await app_client.get("/open311/v2/requests.json")
    assert "nguoi.dan" not in one.text and "nguoi.dan" not in listed.text
    assert await session.scalar(select(Report.reporter_email).where(Report.code == code)) == "nguoi.dan@example.vn"


async def test_a_malformed_email_is_a_400(app_client, open311_key) -> None:
    response = await app_client.post("/open311/v2/requests.json", data={**POST, "api_key": open311_key,
                                                                        "email": "not-an-address"})
    assert response.status_code == 400 and "email" in response.json()[0]["description"]
