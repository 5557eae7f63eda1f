"""Website monitoring: the sites (data), rounds of checks, baselines, what staff see."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.catalog import service as catalog_service
from backend.catalog.loader import DataError, read_yaml
from backend.catalog.models import Agency, Setting
from backend.core.config import get_settings
from backend.core.db import read_scope, session_scope, utcnow
from backend.core.errors import Conflict, NotFound, ValidationFailed
from backend.core.logging import get_logger
from backend.monitoring.sites import checks, flows, lag, maintenance, probe, screenshot, uptime
from backend.monitoring.sites import conditions as cond
from backend.monitoring.sites import content as page
from backend.monitoring.sites import incidents as inc
from backend.monitoring.sites.models import Site, SiteCheck, SiteContent, SiteIncident, SiteMaintenance
from backend.monitoring.sites.schemas import MaintenanceCreate, SiteCreate, SiteUpdate

log = get_logger(__name__)
KEYWORDS_SETTING = "sites.forbidden_keywords"
WRITE_BATCH = 100  # results recorded per transaction (a handful of statements each)
WRITE_WAIT_S = 2.0  # longest a result waits for others to share its transaction
DEFERRED_TRIES = 3  # a batch's deferred transactions before it takes the write lock from the start


# --- sites ------------------------------------------------------------------------------------


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise ValidationFailed(f"Địa chỉ website không hợp lệ «{url}»: cần dạng https://ten-mien.gov.vn/", field="url")
    return url


async def _agency_id(session: AsyncSession, code: str | None) -> int | None:
    if not code:
        return None
    agency = await session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise ValidationFailed(f"Không có đơn vị mã «{code}»", field="agency")
    return agency.id


def _apply(site: Site, values: dict[str, Any]) -> None:
    if "conditions" in values:
        try:
            cond.parse_all(values["conditions"])
        except cond.ConditionError as exc:
            raise ValidationFailed(str(exc), field="conditions") from None
    for key in ("keywords_required", "keywords_forbidden"):
        if key in values:
            values[key] = [k.strip() for k in values[key] if k and k.strip()]
    for name, value in values.items():
        setattr(site, name, value)


async def create_site(*, session: AsyncSession, site_in: SiteCreate) -> Site:
    values = site_in.model_dump(exclude_none=True, exclude={"agency"})
    values["url"] = check_url(site_in.url)
    if await session.scalar(select(Site.id).where(Site.url == values["url"])) is not None:
        raise Conflict(f"Website {values['url']} đã có trong danh sách giám sát", field="url")
    site = Site(agency_id=await _agency_id(session, site_in.agency), conditions=[], keywords_required=[],
                keywords_forbidden=[], status="unknown", failures=0, successes=0, slow_count=0, changed_count=0)
    _apply(site, values)
    session.add(site)
    await session.flush()
    return await get_site(session=session, site_id=site.id)


async def update_site(*, session: AsyncSession, site: Site, site_in: SiteUpdate) -> Site:
    values = site_in.model_dump(exclude_unset=True, exclude={"agency"})
    if "url" in values:
        values["url"] = check_url(values["url"] or "")
        other = await session.scalar(select(Site.id).where(Site.url == values["url"], Site.id != site.id))
        if other is not None:
            raise Conflict(f"Website {values['url']} đã có trong danh sách giám sát", field="url")
    if "agency" in site_in.model_fields_set:
        site.agency_id = await _agency_id(session, site_in.agency)
    _apply(site, {k: v for k, v in values.items() if v is not None or k == "conditions"})
    return site


async def get_site(*, session: AsyncSession, site_id: int) -> Site:
    site = await session.get(Site, site_id, populate_existing=True)
    if site is None:
        raise NotFound("Không tìm thấy website")
    return site


async def list_sites(*, session: AsyncSession, agency_id: int | None = None, status: str | None = None,
                     q: str | None = None) -> Sequence[Site]:
    query = select(Site).order_by(Site.name)
    if agency_id is not None:
        query = query.where(Site.agency_id == agency_id)
    if status:
        query = query.where(Site.status == status)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(Site.name.ilike(like) | Site.url.ilike(like))
    return (await session.scalars(query)).all()


async def baselines(*, session: AsyncSession, site_ids: Sequence[int]) -> set[int]:
    return set((await session.scalars(select(SiteContent.site_id).where(
        SiteContent.site_id.in_(site_ids), SiteContent.kind == "baseline"))).all())


def present(site: Site, uptimes: dict[int, float | None], has_baseline: bool, now: datetime) -> dict[str, Any]:
    days = int((site.cert_expires_at - now).total_seconds() // 86400) if site.cert_expires_at else None
    return {
        "id": site.id, "name": site.name, "url": site.url, "agency": site.agency.code if site.agency else None,
        "enabled": site.enabled, "interval_s": site.interval_s, "conditions": site.conditions,
        "keywords_required": site.keywords_required, "keywords_forbidden": site.keywords_forbidden,
        "failure_threshold": site.failure_threshold, "success_threshold": site.success_threshold,
        "status": site.status, "status_since": site.status_since, "last_checked_at": site.last_checked_at,
        "response_ms": site.response_ms, "last_error": site.last_error, "cert_expires_at": site.cert_expires_at,
        "cert_issuer": site.cert_issuer, "cert_days_left": days, "has_baseline": has_baseline,
        "uptime_7d": uptimes.get(7), "uptime_30d": uptimes.get(30), "uptime_90d": uptimes.get(90),
    }


async def present_many(*, session: AsyncSession, sites: Sequence[Site]) -> list[dict[str, Any]]:
    now = utcnow()
    ids = [s.id for s in sites]
    ups = await uptime.site_uptimes(session=session, today=uptime.local_day(now), site_ids=ids)
    with_baseline = await baselines(session=session, site_ids=ids)
    return [present(s, ups.get(s.id, {}), s.id in with_baseline, now) for s in sites]


# --- forbidden keywords and round context ------------------------------------------------------


async def forbidden_keywords(*, session: AsyncSession) -> list[str]:
    """The global list: as edited by admins (settings), else as in data/sites.yaml."""
    stored = await session.get(Setting, KEYWORDS_SETTING)
    if stored is not None and isinstance(stored.value, list):
        return [str(k) for k in stored.value]
    try:
        return [str(k) for k in read_yaml(get_settings().data_dir, "sites").get("forbidden_keywords", [])]
    except DataError:
        return []


async def set_forbidden_keywords(*, session: AsyncSession, keywords: list[str]) -> list[str]:
    clean = sorted({k.strip() for k in keywords if k and k.strip()}, key=str.casefold)
    stored = await session.get(Setting, KEYWORDS_SETTING)
    if stored is None:
        session.add(Setting(key=KEYWORDS_SETTING, value=clean))
    else:
        stored.value = clean
    return clean


async def context(*, session: AsyncSession) -> checks.Context:
    windows = list((await session.scalars(select(SiteMaintenance).where(SiteMaintenance.active.is_(True)))).all())
    return checks.Context(calendar=await catalog_service.work_calendar(session=session), windows=windows,
                          forbidden=await forbidden_keywords(session=session))


# --- rounds of checks ----------------------------------------------------------------------------


async def run_round(site_ids: Sequence[int], *, now: datetime | None = None,
                    prober: probe.Prober | None = None) -> dict[str, int]:
    """Check these sites: probes concurrently (SITE_CHECK_CONCURRENCY at most), results recorded
    by one writer in short transactions (a single database connection, so the web requests keep
    theirs), page analysis in a niced worker process, alerts after. The site checker passes the
    `prober` it keeps (connections, certificates, DNS answers); without one the round has its own."""
    settings = get_settings()
    if not site_ids:
        return {"checked": 0, "ok": 0, "failed": 0, "incidents_opened": 0, "incidents_closed": 0}
    async with read_scope() as session:  # no write lock: the web requests do not wait for these reads
        ctx = await context(session=session)
        targets = {s.id: s for s in (await session.scalars(select(Site).where(Site.id.in_(site_ids)))).all()}
        known = await checks.baselines(session=session, site_ids=list(targets))
    gate = asyncio.Semaphore(settings.site_check_concurrency)
    seen: asyncio.Queue[tuple[int, probe.Probe, datetime, checks.Outcome] | None] = asyncio.Queue()
    pending: list[tuple[int | None, str, Any]] = []
    counts = {"checked": 0, "ok": 0, "failed": 0}
    own = prober is None
    checks_with = prober or probe.Prober(settings.site_check_concurrency)
    meter = lag.LagMeter()

    async def one(site: Site) -> None:
        """Probe and judge outside any transaction; only the writer touches the database."""
        async with gate:
            started = time.monotonic()
            result = await checks_with.probe(site.url, site.timeout_s)
            result.checker_lag_ms = meter.since(started)
        at = now or utcnow()
        try:
            outcome = await checks.judge(site, result, at, known.get(site.id), ctx.forbidden)
        except Exception:
            log.exception("site check could not be judged", site=site.id, url=site.url)
            return
        await seen.put((site.id, result, at, outcome))

    async def write() -> None:
        """One writer: results are recorded a batch at a time (up to WRITE_BATCH, gathered for at
        most WRITE_WAIT_S), one short transaction each, so the write lock is taken seldom."""
        loop = asyncio.get_running_loop()
        done = False
        while not done:
            batch = [await seen.get()]
            deadline = loop.time() + WRITE_WAIT_S
            while batch[-1] is not None and len(batch) < WRITE_BATCH:
                try:
                    batch.append(await asyncio.wait_for(seen.get(), max(deadline - loop.time(), 0)))
                except TimeoutError:
                    break
            done = batch[-1] is None
            items = [item for item in batch if item is not None]
            if items:
                await _record_batch(items, ctx, pending, counts)

    writer = asyncio.create_task(write())
    try:
        async with meter:
            await asyncio.gather(*(one(site) for site in targets.values()))
    finally:
        await seen.put(None)
        await writer
        await (checks_with.aclose() if own else checks_with.close_retired())
    opened, closed = await send_alerts(pending, now=now or utcnow())
    return {**counts, "incidents_opened": opened, "incidents_closed": closed}


async def _record_batch(items: list[tuple[int, probe.Probe, datetime, checks.Outcome]], ctx: checks.Context,
                        pending: list[tuple[int | None, str, Any]], counts: dict[str, int]) -> None:
    """One transaction for the batch, begun deferred (the reads and the state changes are worked
    out before it takes the write lock; taken again from the start when another process wrote
    meanwhile, at last with the lock from the start); should it fail, each check alone (one bad
    row loses one)."""
    try:
        for attempt in range(DEFERRED_TRIES + 1):
            try:
                await _record(items, ctx, pending, counts, deferred=attempt < DEFERRED_TRIES)
                break
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == DEFERRED_TRIES:
                    raise
    except Exception:
        if len(items) == 1:
            log.exception("site check could not be recorded", site=items[0][0], url=items[0][1].url)
            return
        for item in items:
            await _record_batch([item], ctx, pending, counts)


async def _record(items: list[tuple[int, probe.Probe, datetime, checks.Outcome]], ctx: checks.Context,
                  pending: list[tuple[int | None, str, Any]], counts: dict[str, int], deferred: bool = False) -> None:
    async with session_scope(deferred=deferred) as session:
        sites = {s.id: s for s in (await session.scalars(
            select(Site).where(Site.id.in_([item[0] for item in items])))).all()}
        found = [(sites[i], result, at, outcome) for i, result, at, outcome in items if i in sites]
        alerts = await checks.record_many(session=session, items=found, ctx=ctx)
    pending.extend((i, step, extra) for i, step, extra, _incident in alerts.steps)
    for site, *_ in found:
        counts["checked"] += 1
        counts["ok" if site.failures == 0 else "failed"] += 1


async def send_alerts(steps: list[tuple[int | None, str, Any]], *, now: datetime) -> tuple[int, int]:
    """Alerts for what a round did, after its commits: each incident's step once; more openings
    than SITE_ALERT_BURST in one round are one summary to the IOC."""
    if not steps:
        return 0, 0
    opened_ids = [i for i, step, _ in steps if step == "opened" and i is not None]
    async with session_scope() as session:
        loaded = {i.id: i for i in (await session.scalars(
            select(SiteIncident).where(SiteIncident.id.in_([i for i, _, _ in steps if i is not None])))).all()}
        if len(opened_ids) > get_settings().site_alert_burst:
            await flows.site_incident_burst_flow(session=session, incidents=[loaded[i] for i in opened_ids],
                                                 now=now)
        for incident_id, step, extra in steps:
            incident = loaded.get(incident_id or -1)
            if incident is None:
                continue
            if step == "opened" and len(opened_ids) <= get_settings().site_alert_burst:
                await flows.site_incident_opened_flow(session=session, incident=incident, now=now)
            elif step == "closed":
                await flows.site_incident_closed_flow(session=session, incident=incident, now=now)
            elif step == "cert":
                await flows.site_cert_warning_flow(session=session, incident=incident, days=int(extra), now=now)
        defaced = [loaded[i] for i in opened_ids if loaded[i].kind == "defaced"]
    for incident in defaced:  # evidence for staff; slow, so outside the transaction
        name = await screenshot.capture(incident.site.url, incident.site_id, "defaced")
        if name:
            async with session_scope() as session:
                row = await session.get(SiteIncident, incident.id)
                if row is not None:
                    row.evidence = {**row.evidence, "after_screenshot": name}
    return len(opened_ids), sum(1 for _, step, _ in steps if step == "closed")


async def due_sites(*, session: AsyncSession, now: datetime, every: bool) -> list[int]:
    """Enabled sites due now (all of them when `every`), their next check booked at once so
    an overlapping round does not take them again. After a sweep (or a site's first check) the
    next one comes at a phase within the interval, so 500 sites do not all fall due in the same
    second again; a site checked late keeps its phase, and one whose turn came while the sweep
    was checking it is not checked twice in a row (its turn moves to the next interval). Two
    statements whatever the number of sites (the web requests wait for none)."""
    query = select(Site.id, Site.interval_s, Site.next_check_at, Site.last_checked_at).where(Site.enabled.is_(True))
    if not every:
        query = query.where((Site.next_check_at.is_(None)) | (Site.next_check_at <= now))
    rows = (await session.execute(query.order_by(Site.next_check_at, Site.id))).all()
    booked, due = [], []
    for site_id, interval_s, next_check_at, last_checked_at in rows:
        interval = max(interval_s, 1)
        if every or next_check_at is None:
            upcoming = now + timedelta(seconds=1 + (site_id * 7919) % interval)
        else:  # at its own phase, even when late (a long sweep, the checker stopped for a while),
            # so the sites that fell due together are not checked together from then on
            late = max((now - next_check_at).total_seconds(), 0.0)
            upcoming = next_check_at + timedelta(seconds=interval * (int(late // interval) + 1))
            if upcoming - now < timedelta(seconds=interval / 2):  # not twice in a row
                upcoming += timedelta(seconds=interval)
        booked.append({"site": site_id, "next": upcoming})
        if every or next_check_at is None or last_checked_at is None or last_checked_at < next_check_at:
            due.append(site_id)  # (else a check after its turn, in the sweep, already served it)
    if booked:
        table = Site.__table__
        await session.execute(update(table).where(table.c.id == bindparam("site"))
                              .values(next_check_at=bindparam("next")), booked)
    return due


async def check_now(*, site_id: int) -> dict[str, int]:
    return await run_round([site_id])


# --- baselines ---------------------------------------------------------------------------------


async def accept_baseline(*, session: AsyncSession, site: Site, actor: str, incident: SiteIncident | None = None
                          ) -> SiteContent:
    """The page as it is now becomes the known-good content (fetched now; when a defacement
    incident is given, what it captured). Closes an open defacement as a false alarm."""
    now = utcnow()
    if incident is not None and incident.evidence.get("after"):
        text, structure = incident.evidence["after"], ""
        latest = await session.scalar(select(SiteContent).where(SiteContent.site_id == site.id,
                                                                SiteContent.kind == "latest"))
        structure = latest.structure if latest is not None else ""
        extracted = page.Content(text=text, structure=structure, all_text=text)
    else:
        prober = probe.Prober()
        try:
            seen = await prober.probe(site.url, site.timeout_s)
        finally:
            await prober.aclose()
        if not seen.connected or seen.status_code is None or seen.status_code >= 400:
            raise Conflict(f"Không tải được trang để làm nội dung chuẩn: {seen.error or f'mã {seen.status_code}'}")
        extracted = await asyncio.to_thread(page.extract, seen.body)
    baseline = await session.scalar(select(SiteContent).where(SiteContent.site_id == site.id,
                                                              SiteContent.kind == "baseline"))
    if baseline is None:
        baseline = SiteContent(site_id=site.id, kind="baseline")
        session.add(baseline)
    baseline.text, baseline.structure, baseline.content_hash = extracted.text, extracted.structure, extracted.hash
    baseline.captured_at, baseline.accepted_by = now, actor
    site.changed_count = 0
    open_defaced = (await inc.open_incidents(session=session, site_id=site.id)).get("defaced")
    if open_defaced is not None:
        inc.add_event(open_defaced, "baseline_accepted", actor=actor, note="Nội dung mới là hợp lệ (báo động nhầm)")
        inc.close_incident(open_defaced, now=now, actor=actor, note="Chấp nhận nội dung mới làm bản chuẩn")
        site.status, site.status_since = ("up" if site.failures < site.failure_threshold else "down"), now
        await flows.site_incident_closed_flow(session=session, incident=open_defaced, now=now)
    await session.flush()
    return baseline


async def capture_baseline_screenshot(*, site_id: int) -> str | None:
    async with session_scope() as session:
        site = await get_site(session=session, site_id=site_id)
        url = site.url
    name = await screenshot.capture(url, site_id, "baseline")
    if name:
        async with session_scope() as session:
            baseline = await session.scalar(select(SiteContent).where(SiteContent.site_id == site_id,
                                                                      SiteContent.kind == "baseline"))
            if baseline is not None:
                baseline.screenshot = name
    return name


async def contents(*, session: AsyncSession, site_id: int) -> dict[str, SiteContent]:
    rows = (await session.scalars(select(SiteContent).where(SiteContent.site_id == site_id))).all()
    return {row.kind: row for row in rows}


async def recent_checks(*, session: AsyncSession, site_id: int, since: datetime, limit: int = 2000
                        ) -> Sequence[SiteCheck]:
    return (await session.scalars(select(SiteCheck).where(SiteCheck.site_id == site_id, SiteCheck.checked_at >= since)
                                  .order_by(SiteCheck.checked_at.desc()).limit(limit))).all()


# --- maintenance windows ----------------------------------------------------------------------


async def add_maintenance(*, session: AsyncSession, window_in: MaintenanceCreate) -> SiteMaintenance:
    if window_in.site_id is not None:
        await get_site(session=session, site_id=window_in.site_id)
    window = SiteMaintenance(**window_in.model_dump(exclude={"agency"}), active=True,
                             agency_id=await _agency_id(session, window_in.agency))
    maintenance.validate(window)
    session.add(window)
    await session.flush()
    return window


async def list_maintenance(*, session: AsyncSession) -> Sequence[SiteMaintenance]:
    return (await session.scalars(select(SiteMaintenance).order_by(SiteMaintenance.id))).all()


# --- housekeeping -----------------------------------------------------------------------------


async def prune_results(*, session: AsyncSession, now: datetime) -> int:
    cutoff = now - timedelta(days=get_settings().site_results_keep_days)
    result = await session.execute(delete(SiteCheck).where(SiteCheck.checked_at < cutoff)
                                   .execution_options(synchronize_session=False))
    return result.rowcount or 0


async def counts_by_status(*, session: AsyncSession) -> dict[str, int]:
    rows = (await session.execute(select(Site.status, func.count()).where(Site.enabled.is_(True))
                                  .group_by(Site.status))).all()
    return {status: n for status, n in rows}
