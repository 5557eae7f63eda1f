"""Side effects of camera changes: the IOC is told when an incident opens or closes.

Staff alerts go through one call here (`backend.notifications.staff.alert_staff` once it is on
main); until then the incident row itself (shown on the staff site and counted by the
dashboard) and a WARNING log line are the alert."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.logging import get_logger

log = get_logger(__name__)

INCIDENT_TEXTS = {
    "offline": "Camera {name} ({code}) mất tín hiệu",
    "congestion": "Ùn tắc tại camera {name} ({code}), hướng {direction}",
}


async def camera_incident_opened_flow(*, session: AsyncSession, incident: Any, camera: Any) -> None:
    text = INCIDENT_TEXTS.get(incident.kind, "Sự cố camera {name} ({code})").format(
        name=camera.name, code=camera.code, direction=incident.direction or "")
    log.warning("camera incident opened", kind=incident.kind, camera=camera.code, direction=incident.direction,
                text=text)


async def camera_incident_closed_flow(*, session: AsyncSession, incident_id: int) -> None:
    log.info("camera incident closed", incident=incident_id)
