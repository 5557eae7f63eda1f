"""Judging a probe and moving a site's state: conditions, keywords, thresholds, maintenance,
certificate steps, defacement; the incidents it opens or closes; the raw result and the rollup.

`record()` works inside the caller's transaction and returns the alerts to send (the round sends
them after commit, one summary when too many opened at once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only
from sqlalchemy.orm.attributes import set_committed_value

from backend.catalog.calendar import WorkCalendar
from backend.monitoring.sites import analysis, maintenance, uptime
from backend.monitoring.sites import conditions as cond
from backend.monitoring.sites import content as page
from backend.monitoring.sites import incidents as inc
from backend.monitoring.sites.models import Site, SiteCheck, SiteContent, SiteIncident, SiteMaintenance
from backend.monitoring.sites.probe import Probe
from backend.monitoring.sites.texts import cert_warning

DEFAULT_CONDITIONS = ("[CONNECTED] == true", "[STATUS] < 400")
# What a check changes on its site (written for a whole batch with one statement).
SITE_STATE = ("last_checked_at", "response_ms", "last_error", "cert_expires_at", "cert_issuer", "status",
              "status_since", "failures", "successes", "slow_count", "changed_count")
CERT_STEPS = (30, 14, 7, 1)
EVIDENCE_CHARS = 100_000


@dataclass
class Context:
    """What every check of a round shares."""

    calendar: WorkCalendar
    windows: list[SiteMaintenance]
    forbidden: list[str]


@dataclass
class Outcome:
    ok: bool
    failed: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    change_ratio: float | None = None
    content: page.Content | None = None
    cert_days: float | None = None
    baseline: analysis.Baseline | None = None


@dataclass
class Alerts:
    """Steps to send after commit: (incident id, step, extra)."""

    steps: list[tuple[int | None, str, Any, SiteIncident]] = field(default_factory=list)

    def add(self, incident: SiteIncident, step: str, extra: Any = None) -> None:
        self.steps.append((incident.id, step, extra, incident))


def facts(probe: Probe, now: datetime) -> dict[str, Any]:
    days = probe.cert_days(now)
    return {"STATUS": probe.status_code, "RESPONSE_TIME": probe.response_ms, "BODY": probe.body,
            "CERTIFICATE_EXPIRATION": days * 86_400_000 if days is not None else None,
            "CONNECTED": probe.connected, "IP": probe.ip, "HTTP_VERSION": probe.http_version}


def _is_html(probe: Probe) -> bool:
    return "html" in probe.content_type.lower() or probe.body.lstrip()[:1] == "<"


def missing_keywords(body: str, keywords: list[str]) -> list[str]:
    """The required keywords not in the body, case-insensitively; the body is case-folded (a copy
    of the page) only when a keyword is not found as written."""
    missing = [k for k in keywords if k not in body]
    if not missing:
        return []
    folded = body.casefold()
    return [k for k in missing if k.casefold() not in folded]


async def judge(site: Site, probe: Probe, now: datetime, baseline: analysis.Baseline | None,
                forbidden: list[str]) -> Outcome:
    """Everything about one probe that needs no database (run before the write transaction)."""
    parsed = cond.parse_cached(DEFAULT_CONDITIONS[:1] + (tuple(site.conditions) or DEFAULT_CONDITIONS[1:]))
    failed = cond.failed(parsed, facts(probe, now)) if probe.connected else [probe.error or "không kết nối được"]
    outcome = Outcome(ok=False, failed=failed, cert_days=probe.cert_days(now), baseline=baseline)
    if probe.connected and probe.body:
        outcome.failed += [f"thiếu từ khóa «{k}»" for k in missing_keywords(probe.body, site.keywords_required)]
        if _is_html(probe):
            found = await analysis.run(probe.body, forbidden + list(site.keywords_forbidden), baseline,
                                         site_id=site.id)
            outcome.content, outcome.forbidden = found.content, found.forbidden
            outcome.change_ratio = found.change_ratio
    outcome.ok = probe.connected and not outcome.failed
    return outcome


async def baselines(*, session: AsyncSession, site_ids: list[int]) -> dict[int, analysis.Baseline]:
    rows = (await session.scalars(select(SiteContent).where(SiteContent.site_id.in_(site_ids),
                                                            SiteContent.kind == "baseline"))).all()
    return {r.site_id: analysis.Baseline(r.text, r.structure, r.content_hash, r.screenshot) for r in rows}


async def record(*, session: AsyncSession, site: Site, probe: Probe, now: datetime, ctx: Context,
                 outcome: Outcome | None = None) -> Alerts:
    """Store one check of `site` and move its state (judged here when no outcome is given)."""
    if outcome is None:
        known = await baselines(session=session, site_ids=[site.id])
        outcome = await judge(site, probe, now, known.get(site.id), ctx.forbidden)
    return await record_many(session=session, items=[(site, probe, now, outcome)], ctx=ctx)


async def record_many(*, session: AsyncSession, items: list[tuple[Site, Probe, datetime, Outcome]], ctx: Context
                      ) -> Alerts:
    """Store judged checks and move their sites' state with a handful of statements whatever the
    number of checks (the web requests share the connection); the alerts to send after commit."""
    ids = [site.id for site, *_ in items]
    open_by_site: dict[int, dict[str, SiteIncident]] = {}
    for incident in (await session.scalars(select(SiteIncident).where(
            SiteIncident.site_id.in_(ids), SiteIncident.open_key.is_not(None)))).all():
        open_by_site.setdefault(incident.site_id, {})[incident.kind] = incident
    latest = {row.site_id: row for row in (await session.scalars(
        select(SiteContent).where(SiteContent.site_id.in_(ids), SiteContent.kind == "latest")
        .options(load_only(SiteContent.id, SiteContent.site_id, SiteContent.content_hash)))).all()}
    alerts = Alerts()
    rollup = []
    results = []
    for site, probe, now, outcome in items:
        in_window = maintenance.in_maintenance(site, ctx.windows, now, ctx.calendar)
        results.append(dict(
            site_id=site.id, checked_at=now, ok=outcome.ok, maintenance=in_window, status_code=probe.status_code,
            response_ms=probe.response_ms, http_version=probe.http_version, ip=probe.ip, final_url=probe.final_url,
            redirects=probe.redirects, content_hash=outcome.content.hash if outcome.content else None,
            cert_days=round(outcome.cert_days, 2) if outcome.cert_days is not None else None,
            change_ratio=outcome.change_ratio, error=probe.error, checker_lag_ms=probe.checker_lag_ms,
            new_connection=probe.new_connection,
            failed=outcome.failed + [f"từ khóa cấm «{k}»" for k in outcome.forbidden]))
        rollup.append((site.id, now, outcome.ok, in_window, probe.response_ms))
        site.last_checked_at = now
        site.response_ms = probe.response_ms
        site.last_error = probe.error or ("; ".join(outcome.failed) or None)
        if probe.cert_expires_at is not None:
            site.cert_expires_at, site.cert_issuer = probe.cert_expires_at, probe.cert_issuer
        if outcome.content is not None:
            _keep_latest(session, site, latest, outcome.content, now)
        if in_window:  # checks are kept and shown; no state change, no incident, no downtime
            continue
        open_now = open_by_site.setdefault(site.id, {})
        _availability(session, site, outcome, probe, now, open_now, alerts)
        _slowness(session, site, outcome, probe, now, open_now, alerts)
        _certificate(session, site, outcome, now, open_now, alerts)
        _defacement(session, site, outcome, outcome.baseline, now, open_now, alerts)
        status = "defaced" if "defaced" in open_now else site.status
        if status != site.status:
            site.status, site.status_since = status, now
    # The writes, back to back once everything is worked out (on SQLite the write lock is taken at
    # the first one): the sites' state, the results and the rollups, one executemany each.
    states = [_state_row(site) for site, *_ in items]
    table = Site.__table__
    await session.execute(update(table).where(table.c.id == bindparam("b_site"))
                          .values({name: bindparam(f"b_{name}") for name in SITE_STATE}), states)
    await session.execute(insert(SiteCheck.__table__), results)
    await uptime.add_checks(session=session, checks=rollup)
    await session.flush()
    alerts.steps = [(i.id, step, extra, i) for _id, step, extra, i in alerts.steps]
    return alerts


def _state_row(site: Site) -> dict[str, Any]:
    """The site's state columns as the round left them, for one executemany UPDATE; the ORM is
    told they are stored (it would otherwise flush each site with its own statement)."""
    row = {"b_site": site.id}
    for name in SITE_STATE:
        value = getattr(site, name)
        row[f"b_{name}"] = value
        set_committed_value(site, name, value)
    return row


def _keep_latest(session: AsyncSession, site: Site, latest: dict[int, SiteContent], content: page.Content,
                 now: datetime) -> None:
    """The latest content is written only when it changed."""
    row = latest.get(site.id)
    if row is None:
        latest[site.id] = row = SiteContent(site_id=site.id, kind="latest", content_hash="")
        session.add(row)
    if row.content_hash != content.hash:
        row.text, row.structure, row.content_hash, row.captured_at = (
            content.text, content.structure, content.hash, now)


def _set_status(site: Site, status: str, now: datetime) -> None:
    if site.status != status:
        site.status, site.status_since = status, now


def _availability(session: AsyncSession, site: Site, outcome: Outcome, probe: Probe, now: datetime,
                  open_now: dict[str, SiteIncident], alerts: Alerts) -> None:
    if outcome.ok:
        site.successes += 1
        site.failures = 0
        if site.status == "unknown":
            _set_status(site, "up", now)
        down = open_now.get("down")
        if site.successes >= site.success_threshold:
            _set_status(site, "up", now)
            if down is not None:
                inc.close_incident(down, now=now, note=f"Hoạt động lại sau {site.successes} lần kiểm tra đạt")
                del open_now["down"]
                alerts.add(down, "closed")
        return
    site.failures += 1
    site.successes = 0
    if site.failures >= site.failure_threshold:
        _set_status(site, "down", now)
        if "down" not in open_now:
            reason = "; ".join(outcome.failed) or probe.error or "không đạt điều kiện"
            incident = inc.open_incident(session, site, "down", now=now,
                                         summary=f"{site.failures} lần kiểm tra liên tiếp không đạt: {reason}",
                                         evidence={"status_code": probe.status_code, "error": probe.error,
                                                   "failed": outcome.failed})
            open_now["down"] = incident
            alerts.add(incident, "opened")


def _slowness(session: AsyncSession, site: Site, outcome: Outcome, probe: Probe, now: datetime,
              open_now: dict[str, SiteIncident], alerts: Alerts) -> None:
    if not outcome.ok:
        return
    # the site's time: the response time less the checker's own delay meanwhile (lag.py)
    slow = probe.response_ms is not None and probe.response_ms - (probe.checker_lag_ms or 0) > site.slow_ms
    site.slow_count = site.slow_count + 1 if slow else 0
    incident = open_now.get("slow")
    if slow and site.slow_count >= site.failure_threshold and incident is None:
        incident = inc.open_incident(session, site, "slow", now=now,
                                     summary=f"Phản hồi {probe.response_ms} ms (ngưỡng {site.slow_ms} ms), "
                                             f"{site.slow_count} lần liên tiếp",
                                     evidence={"response_ms": probe.response_ms})
        open_now["slow"] = incident
        alerts.add(incident, "opened")
    elif not slow and incident is not None and site.successes >= site.success_threshold:
        inc.close_incident(incident, now=now, note=f"Phản hồi bình thường lại ({probe.response_ms} ms)")
        del open_now["slow"]
        alerts.add(incident, "closed")


def _certificate(session: AsyncSession, site: Site, outcome: Outcome, now: datetime,
                 open_now: dict[str, SiteIncident], alerts: Alerts) -> None:
    days = outcome.cert_days
    if days is None:
        return
    incident = open_now.get("cert_expiring")
    if days > CERT_STEPS[0]:
        if incident is not None:
            inc.close_incident(incident, now=now, note=f"Chứng thư số đã gia hạn (còn {int(days)} ngày)")
            del open_now["cert_expiring"]
            alerts.add(incident, "closed")
        return
    left = int(days)
    step = min(s for s in CERT_STEPS if days <= s)
    if incident is None:
        issuer = f", cấp bởi {site.cert_issuer}" if site.cert_issuer else ""
        incident = inc.open_incident(session, site, "cert_expiring", now=now,
                                     summary=f"{cert_warning(left)} (hết hạn {site.cert_expires_at:%d/%m/%Y}{issuer})",
                                     evidence={"days": left, "step": step})
        open_now["cert_expiring"] = incident
        alerts.add(incident, "opened")
    elif step < int(incident.evidence.get("step", CERT_STEPS[0])):
        incident.evidence = {**incident.evidence, "days": left, "step": step}
        inc.add_event(incident, "warning", note=cert_warning(left), data={"step": step}, at=now)
        alerts.add(incident, "cert", step)


def _defacement(session: AsyncSession, site: Site, outcome: Outcome, baseline: analysis.Baseline | None,
                now: datetime, open_now: dict[str, SiteIncident], alerts: Alerts) -> None:
    if outcome.content is None:
        return
    changed = outcome.change_ratio is not None and outcome.change_ratio > site.change_threshold
    site.changed_count = site.changed_count + 1 if changed else 0
    if "defaced" in open_now or not (outcome.forbidden or site.changed_count >= site.failure_threshold):
        return
    reasons = []
    if outcome.forbidden:
        reasons.append("có từ khóa cấm: " + ", ".join(f"«{k}»" for k in outcome.forbidden))
    if changed:
        reasons.append(f"nội dung thay đổi {round(100 * (outcome.change_ratio or 0))}% so với bản chuẩn")
    incident = inc.open_incident(session, site, "defaced", now=now, summary="; ".join(reasons).capitalize(),
                                 evidence={"forbidden": outcome.forbidden, "change_ratio": outcome.change_ratio,
                                           "before": (baseline.text if baseline else "")[:EVIDENCE_CHARS],
                                           "after": outcome.content.text[:EVIDENCE_CHARS],
                                           "before_screenshot": baseline.screenshot if baseline else None})
    open_now["defaced"] = incident
    _set_status(site, "defaced", now)
    alerts.add(incident, "opened")
