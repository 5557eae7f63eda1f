"""Photos (issue 17 items 4 and 8): unguessable addresses, served under the report's visibility
rules; images over the pixel limit refused with a clear 422 (a decompression bomb too); large
photos stored with a downscaled copy for display."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import select

from backend.catalog.models import Agency
from tests.conftest import auth_headers


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares width×height (1-bit grey) with one tiny compressed row: what a
    decompression bomb looks like to a server (a few bytes that claim gigapixels)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def _jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buf, format="JPEG")
    return buf.getvalue()


@pytest.fixture
async def photo_of_report(session, report_factory, png_bytes):
    from backend.core.actor import Actor
    from backend.reports import service as report_service

    report = await report_factory()
    attachment = await report_service.add_photo(session=session, report=report, data=png_bytes, actor=Actor.system())
    await session.commit()
    return report, attachment


async def test_a_photo_is_not_served_by_its_bare_sequential_id(app_client, session, photo_of_report, make_user):
    _report, attachment = photo_of_report
    attachment.public = True
    await session.commit()
    assert (await app_client.get(f"/media/{attachment.id}")).status_code == 404
    assert (await app_client.get(f"/media/{attachment.id}-{'0' * 32}")).status_code == 404


async def test_an_unapproved_photo_is_hidden_from_officers_of_other_agencies(app_client, session, photo_of_report,
                                                                             make_user):
    from backend.reports.media_access import media_url

    report, attachment = photo_of_report
    other = await session.scalar(select(Agency).where(Agency.id != report.agency_id, Agency.kind == "department"))
    stranger = auth_headers(await make_user("officer", agency_code=other.code))
    own = auth_headers(await make_user("officer", agency_code=report.agency.code))
    url = media_url(attachment.id)
    assert (await app_client.get(url, headers=stranger)).status_code == 404
    assert (await app_client.get(url)).status_code == 404  # the public
    assert (await app_client.get(url, headers=own)).status_code == 200
    assert (await app_client.get(url, headers=auth_headers(await make_user("supervisor")))).status_code == 200


async def test_an_approved_photo_is_public(app_client, session, photo_of_report):
    from backend.reports.media_access import media_url

    _report, attachment = photo_of_report
    attachment.public = True
    await session.commit()
    response = await app_client.get(media_url(attachment.id))
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/")


async def test_an_image_over_the_pixel_limit_is_a_422(app_client, session, report_factory, make_user):
    report = await report_factory()
    headers = auth_headers(await make_user("supervisor"))
    response = await app_client.post(f"/api/v1/reports/{report.code}/photos", headers=headers,
                                     files={"photo": ("big.png", _png_header(12_000, 12_000), "image/png")})
    assert response.status_code == 422 and "Ảnh quá lớn" in response.json()["detail"]


async def test_a_decompression_bomb_is_a_422_not_a_500(app_client, session, report_factory, make_user):
    report = await report_factory()
    headers = auth_headers(await make_user("supervisor"))
    response = await app_client.post(f"/api/v1/reports/{report.code}/photos", headers=headers,
                                     files={"photo": ("bomb.png", _png_header(30_000, 30_000), "image/png")})
    assert response.status_code == 422 and "Ảnh quá lớn" in response.json()["detail"]


def test_the_pixel_limit_is_configurable(media_dir):
    from backend.core.config import get_settings
    from backend.core.errors import ValidationFailed
    from backend.reports import media

    os.environ["PHOTO_MAX_PIXELS"] = "50000"
    get_settings.cache_clear()
    try:
        with pytest.raises(ValidationFailed, match="Ảnh quá lớn"):
            media.inspect(_jpeg(300, 200))
    finally:
        os.environ.pop("PHOTO_MAX_PIXELS")
        get_settings.cache_clear()


async def test_a_large_photo_is_shown_downscaled_and_kept_in_full(app_client, session, report_factory, make_user):
    from backend.core.actor import Actor
    from backend.core.config import get_settings
    from backend.reports import service as report_service
    from backend.reports.media_access import media_url

    side = get_settings().photo_display_max_side
    report = await report_factory()
    attachment = await report_service.add_photo(session=session, report=report, data=_jpeg(side * 2, side),
                                                actor=Actor.system())
    attachment.public = True
    await session.commit()
    shown = Image.open(io.BytesIO((await app_client.get(media_url(attachment.id))).content))
    full = Image.open(io.BytesIO((await app_client.get(media_url(attachment.id) + "?full=1")).content))
    assert shown.size == (side, side // 2) and full.size == (side * 2, side)
