"""Side effects of incidents: alerts to the IOC's and the owner agency's staff through the
durable outbox (`alert_staff`), each once (dedupe keys from the incident id and the step), and a
"notified" entry on the incident's timeline saying how many messages were queued."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.db import utcnow
from backend.monitoring.sites import texts
from backend.monitoring.sites.models import SiteIncident, SiteIncidentEvent
from backend.notifications.staff import alert_staff

ALERT_KIND = "site_incident"


def _note(incident: SiteIncident, step: str, rows: int, now: datetime) -> None:
    incident.last_alert_at = now
    incident.events.append(SiteIncidentEvent(
        action="notified", actor="system", at=now, data={"step": step, "messages": rows},
        note=f"Đã gửi {rows} tin báo cho cán bộ" if rows else "Chưa có cán bộ nào có kênh nhận tin (Telegram, Zalo, "
                                                             "e-mail)"))


async def _send(session: AsyncSession, incident: SiteIncident, step: str, text: str, now: datetime | None) -> int:
    now = now or utcnow()
    rows = await alert_staff(session=session, kind=f"{ALERT_KIND}_{step}", text=text, agency_id=incident.agency_id,
                             dedupe_key=f"site-incident:{incident.id}:{step}")
    _note(incident, step, rows, now)
    return rows


def _minutes(incident: SiteIncident, now: datetime) -> int:
    return max(int(((incident.closed_at or now) - incident.opened_at).total_seconds() // 60), 0)


async def site_incident_opened_flow(*, session: AsyncSession, incident: SiteIncident, now: datetime | None = None
                                    ) -> int:
    await session.flush()  # the incident's id makes the dedupe key
    site = incident.site
    text = texts.opened(incident.kind, site.name, site.url, site.agency.name if site.agency else None,
                        incident.summary)
    return await _send(session, incident, "opened", text, now)


async def site_incident_closed_flow(*, session: AsyncSession, incident: SiteIncident, now: datetime | None = None
                                    ) -> int:
    site = incident.site
    text = texts.closed(incident.kind, site.name, site.url, _minutes(incident, now or utcnow()),
                        incident.events[-1].note if incident.events else "")
    return await _send(session, incident, "closed", text, now)


async def site_incident_reminder_flow(*, session: AsyncSession, incident: SiteIncident, now: datetime) -> int:
    incident.reminders += 1
    site = incident.site
    text = texts.reminder(incident.kind, site.name, site.url, _minutes(incident, now))
    return await _send(session, incident, f"reminder-{incident.reminders}", text, now)


async def site_cert_warning_flow(*, session: AsyncSession, incident: SiteIncident, days: int, now: datetime) -> int:
    """A certificate warning step (30, 14, 7, 1 days): once each."""
    await session.flush()
    site = incident.site
    text = texts.opened("cert_expiring", site.name, site.url, site.agency.name if site.agency else None,
                        texts.cert_warning(days))
    return await _send(session, incident, f"cert-{days}d", text, now)


async def site_incident_burst_flow(*, session: AsyncSession, incidents: list[SiteIncident], now: datetime) -> int:
    """Too many incidents in one round (the IOC's own link down?): one summary to the IOC
    instead of one alert each; the incidents are marked as told."""
    await session.flush()
    first = min(i.id for i in incidents)
    text = texts.burst(len(incidents), [i.site.name for i in incidents])
    rows = await alert_staff(session=session, kind=f"{ALERT_KIND}_burst", text=text, agency_id=None,
                             dedupe_key=f"site-incident-burst:{first}:{len(incidents)}")
    for incident in incidents:
        _note(incident, "opened", rows, now)
    return rows
