"""Side effects of camera changes: the IOC's staff are alerted when an incident opens (a camera
offline, congestion on an approach) and when it is over, through the staff-alert outbox (once
per incident: the dedupe key)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.cameras.models import CameraIncident
from backend.core.logging import get_logger
from backend.notifications.staff import alert_staff

log = get_logger(__name__)

OPENED = {
    "offline": "Camera {name} ({code}) mất tín hiệu. Kiểm tra đường truyền và nguồn điện.",
    "congestion": "Ùn tắc tại {name} ({code}), hướng {direction}: mức phục vụ {los} liên tục {intervals} khoảng đếm.",
}
CLOSED = {
    "offline": "Camera {name} ({code}) đã có tín hiệu trở lại.",
    "congestion": "Hết ùn tắc tại {name} ({code}), hướng {direction}.",
}


def _text(templates: dict[str, str], incident: CameraIncident, camera: Any) -> str:
    detail = incident.detail or {}
    return templates.get(incident.kind, "Sự cố camera {name} ({code})").format(
        name=camera.name, code=camera.code, direction=incident.direction or "", los=detail.get("los", ""),
        intervals=detail.get("intervals", ""))


async def camera_incident_opened_flow(*, session: AsyncSession, incident: CameraIncident, camera: Any) -> None:
    text = _text(OPENED, incident, camera)
    log.warning("camera incident opened", kind=incident.kind, camera=camera.code, direction=incident.direction)
    await alert_staff(session=session, kind=f"camera_{incident.kind}", text=text, agency_id=None,
                      dedupe_key=f"camera-incident:{incident.id}:opened")


async def camera_incident_closed_flow(*, session: AsyncSession, incident_id: int) -> None:
    incident = await session.get(CameraIncident, incident_id)
    if incident is None:
        return
    log.info("camera incident closed", kind=incident.kind, camera=incident.camera.code)
    await alert_staff(session=session, kind=f"camera_{incident.kind}_closed",
                      text=_text(CLOSED, incident, incident.camera), agency_id=None,
                      dedupe_key=f"camera-incident:{incident.id}:closed")
