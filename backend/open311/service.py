"""Open311 GeoReport v2 on our reports: the service list and definitions, a service request as
the spec shows it (masked like the portal; `media_url` the approved photo itself), and filing
one: the report first, then its photo from `media_url` (fetched with bounds; a failure is logged
and put on the staff timeline, the report is kept)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog import service as catalog_service
from backend.core.actor import Actor
from backend.core.config import get_settings
from backend.core.errors import DomainError, NotFound
from backend.core.masking import public_text
from backend.reports import service as report_service
from backend.reports.media_access import media_url
from backend.reports.models import Attachment, Report
from backend.reports.schemas import ReportCreate
from backend.reports.timeline import add_event

log = logging.getLogger(__name__)

GROUP = "Trật tự đô thị"
ACTOR_LABEL = "Open311"


class MediaFailed(Exception):
    """The photo at `media_url` could not be had (why, in Vietnamese, for the staff timeline)."""


# ---- services ----------------------------------------------------------------------------------


async def services(*, session: AsyncSession) -> list[dict[str, Any]]:
    """The active categories as services. None has attributes (`metadata` false): the
    definition of each is an empty attribute list."""
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.description or c.name_en or c.name,
            "metadata": False,
            "type": "realtime",
            "keywords": c.name_en or None,
            "group": GROUP,
        }
        for c in await catalog_service.list_categories(session=session)
        if c.active
    ]


async def definition(*, session: AsyncSession, service_code: str) -> dict[str, Any]:
    """GET services/{code}: the service's attributes (none: `metadata` is false in the list)."""
    codes = {s["service_code"] for s in await services(session=session)}
    if service_code not in codes:
        raise NotFound(f"service_code {service_code} not found")
    return {"service_code": service_code, "attributes": []}


# ---- service requests --------------------------------------------------------------------------


async def public_photos(*, session: AsyncSession, reports: Sequence[Report]) -> dict[int, int]:
    """Report id -> the attachment id of its first photo approved for the public (a photo of the
    problem before a result photo), for reports not merged into another."""
    ids = [r.id for r in reports if r.duplicate_of_id is None]
    if not ids:
        return {}
    rows = (await session.execute(
        select(Attachment.report_id, Attachment.id, Attachment.kind)
        .where(Attachment.report_id.in_(ids), Attachment.public.is_(True))
        .order_by(Attachment.id)
    )).all()
    chosen: dict[int, tuple[bool, int]] = {}
    for report_id, attachment_id, kind in rows:
        rank = (kind != "before", attachment_id)
        if report_id not in chosen or rank < chosen[report_id]:
            chosen[report_id] = rank
    return {report_id: rank[1] for report_id, rank in chosen.items()}


def as_request(report: Report, photo_id: int | None) -> dict[str, Any]:
    """A report as GeoReport v2's service request (free text masked like the portal's)."""
    notes = report.resolution_note if report.status in ("resolved", "rejected", "closed") else None
    return {
        "service_request_id": report.code,
        "status": "open" if report.is_open else "closed",
        "status_notes": public_text(notes) or None,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": public_text(report.description),
        "agency_responsible": report.agency.name if report.agency else None,
        "service_notice": None,
        "requested_datetime": report.created_at.isoformat(),
        "updated_datetime": report.updated_at.isoformat(),
        "expected_datetime": report.due_at.isoformat() if report.due_at else None,
        "address": public_text(report.address) or (report.area.name if report.area else None),
        "address_id": None,
        "zipcode": None,
        "lat": report.latitude,
        "long": report.longitude,
        "media_url": media_url(photo_id, absolute=True) if photo_id is not None else None,
    }


async def as_requests(*, session: AsyncSession, reports: Sequence[Report]) -> list[dict[str, Any]]:
    photos = await public_photos(session=session, reports=reports)
    return [as_request(r, photos.get(r.id)) for r in reports]


@dataclass
class Filed:
    report: Report
    media_error: str | None = None  # why the photo at media_url was not stored


async def file_request(
    *, session: AsyncSession, report_in: ReportCreate, media: str | None = None, upload: bytes | None = None,
    client: str = ACTOR_LABEL,
) -> Filed:
    """File a report from an Open311 client (its key's name in the timeline), then its photo: the
    bytes uploaded, or fetched from `media` (media_url). A photo that cannot be had or is no image
    does not lose the report: it is logged and noted on the staff timeline."""
    actor = Actor.system(f"{ACTOR_LABEL}: {client}" if client != ACTOR_LABEL else ACTOR_LABEL)
    created = await report_service.create(session=session, report_in=report_in, actor=actor, channel="open311")
    report = created.report
    if not media and upload is None:
        return Filed(report)
    try:
        data = upload if upload is not None else await fetch_media(media or "")
        await report_service.add_photo(session=session, report=report, data=data, actor=actor)
    except (MediaFailed, DomainError) as exc:
        reason = exc.message if isinstance(exc, DomainError) else str(exc)
        log.warning("open311 %s: photo from %s not stored: %s", report.code, (media or "upload")[:200], reason)
        add_event(session, report, actor, "photo", public=False,
                  note=f"Không lưu được ảnh gửi kèm ({(media or 'tệp tải lên')[:200]}): {reason}",
                  data={"media_url": (media or "")[:500], "error": reason[:300]})
        return Filed(report, media_error=reason)
    return Filed(report)


# ---- media_url -----------------------------------------------------------------------------------


def _public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
                or ip.is_unspecified)


async def _check_host(url: httpx.URL) -> None:
    """Only http(s), and (unless OPEN311_MEDIA_PRIVATE_HOSTS) only hosts on public addresses: a
    key holder must not make the server fetch from the IOC's own network."""
    if url.scheme not in ("http", "https") or not url.host:
        raise MediaFailed("media_url phải là địa chỉ http:// hoặc https://")
    if get_settings().open311_media_private_hosts:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(url.host, url.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise MediaFailed(f"không tìm thấy máy chủ {url.host}") from exc
    if not infos or not all(_public_address(str(info[4][0]).split("%")[0]) for info in infos):
        raise MediaFailed(f"máy chủ {url.host} nằm trong mạng nội bộ: không tải")


async def fetch_media(url: str) -> bytes:
    """The bytes at `url`: at most PHOTO_MAX_BYTES, within OPEN311_MEDIA_TIMEOUT_S, three redirects
    at most (each hop checked); MediaFailed otherwise. Whether it is an image is told by its
    content afterwards (media.store), as for every photo."""
    settings = get_settings()
    limit = settings.photo_max_bytes
    try:
        target = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise MediaFailed("media_url không hợp lệ") from exc
    if not urlsplit(str(target)).netloc:
        raise MediaFailed("media_url không hợp lệ")

    async def check(request: httpx.Request) -> None:
        await _check_host(request.url)

    timeout = httpx.Timeout(settings.open311_media_timeout_s)
    try:
        async with asyncio.timeout(settings.open311_media_timeout_s * 2), httpx.AsyncClient(
            timeout=timeout, follow_redirects=True, max_redirects=3, event_hooks={"request": [check]},
            headers={"User-Agent": "PhanAnh-Open311/2"},
        ) as client, client.stream("GET", target) as response:
            if response.status_code != 200:
                raise MediaFailed(f"máy chủ ảnh trả lời HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise MediaFailed(f"ảnh lớn quá {limit // (1024 * 1024)} MB")
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise MediaFailed(f"ảnh lớn quá {limit // (1024 * 1024)} MB")
                chunks.append(chunk)
    except MediaFailed:
        raise
    except TimeoutError as exc:
        raise MediaFailed("tải ảnh quá thời gian") from exc
    except httpx.HTTPError as exc:
        raise MediaFailed(f"không tải được ảnh: {type(exc).__name__}") from exc
    return b"".join(chunks)
