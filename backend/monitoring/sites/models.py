"""Watched sites, their check results, content baselines, daily rollups, maintenance windows and
incidents (with a timeline)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.catalog.models import Agency
from backend.core.db import Base, UTCDateTime, utcnow

STATUSES = ("up", "down", "defaced", "unknown")
INCIDENT_KINDS = ("down", "defaced", "cert_expiring", "slow")


class Site(Base):
    __tablename__ = "monitored_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_s: Mapped[int] = mapped_column(Integer, default=300)
    timeout_s: Mapped[float] = mapped_column(Float, default=10.0)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords_required: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords_forbidden: Mapped[list[str]] = mapped_column(JSON, default=list)  # on top of the global list
    failure_threshold: Mapped[int] = mapped_column(Integer, default=3)
    success_threshold: Mapped[int] = mapped_column(Integer, default=2)
    slow_ms: Mapped[int] = mapped_column(Integer, default=3000)
    change_threshold: Mapped[float] = mapped_column(Float, default=0.4)  # share of content changed
    # state
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive
    successes: Mapped[int] = mapped_column(Integer, default=0)  # consecutive
    slow_count: Mapped[int] = mapped_column(Integer, default=0)
    changed_count: Mapped[int] = mapped_column(Integer, default=0)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    response_ms: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    cert_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cert_issuer: Mapped[str | None] = mapped_column(String(300))
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency | None] = relationship(lazy="joined")


class SiteCheck(Base):
    """One raw check result; pruned after SITE_RESULTS_KEEP_DAYS (the rollups stay)."""

    __tablename__ = "site_checks"
    __table_args__ = (Index("ix_site_checks_site_at", "site_id", "checked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("monitored_sites.id", ondelete="CASCADE"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    maintenance: Mapped[bool] = mapped_column(Boolean, default=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_ms: Mapped[int | None] = mapped_column(Integer)
    http_version: Mapped[str | None] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(64))
    final_url: Mapped[str | None] = mapped_column(String(1000))
    redirects: Mapped[list[Any]] = mapped_column(JSON, default=list)
    cert_days: Mapped[float | None] = mapped_column(Float)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    change_ratio: Mapped[float | None] = mapped_column(Float)
    failed: Mapped[list[str]] = mapped_column(JSON, default=list)  # conditions that failed, keyword findings
    error: Mapped[str | None] = mapped_column(Text)
    checker_lag_ms: Mapped[int | None] = mapped_column(Integer)  # the checker's own delay meanwhile (lag.py)
    new_connection: Mapped[bool | None] = mapped_column(Boolean)  # false: a kept-alive connection was reused


class SiteContent(Base):
    """The page's meaningful content: the accepted baseline and the latest seen (kind)."""

    __tablename__ = "site_contents"
    __table_args__ = (UniqueConstraint("site_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("monitored_sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # baseline | latest
    text: Mapped[str] = mapped_column(Text)
    structure: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_by: Mapped[str | None] = mapped_column(String(64))
    screenshot: Mapped[str | None] = mapped_column(String(300))  # file name under MEDIA_DIR/sites


class SiteDaily(Base):
    """Per site and local day: counters added at each check (uptime is read from these)."""

    __tablename__ = "site_daily"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("monitored_sites.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date, index=True)
    checks: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[int] = mapped_column(Integer, default=0)
    maintenance: Mapped[int] = mapped_column(Integer, default=0)
    response_ms_sum: Mapped[int] = mapped_column(Integer, default=0)
    response_ms_max: Mapped[int] = mapped_column(Integer, default=0)


class SiteMaintenance(Base):
    """A window with no alerts and no downtime counted: one-off (starts_at..ends_at) or recurring
    (local start_time..end_time on the given weekdays, and/or on public holidays)."""

    __tablename__ = "site_maintenance"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("monitored_sites.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    start_time: Mapped[str | None] = mapped_column(String(5))  # "22:00" local
    end_time: Mapped[str | None] = mapped_column(String(5))  # "02:00" (next day when before start)
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 = Monday
    on_holidays: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SiteIncident(Base):
    __tablename__ = "site_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("monitored_sites.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    # "<site>:<kind>" while open, NULL once closed: one open incident per site and kind, portably
    open_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)  # a defacement staff confirmed
    summary: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders: Mapped[int] = mapped_column(Integer, default=0)

    site: Mapped[Site] = relationship(lazy="joined")
    events: Mapped[list[SiteIncidentEvent]] = relationship(
        order_by="SiteIncidentEvent.id", cascade="all, delete-orphan", lazy="selectin")


class SiteIncidentEvent(Base):
    """The timeline: opened, notified, acknowledged, confirmed, warning, reminded, note, resolved."""

    __tablename__ = "site_incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("site_incidents.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64), default="system")
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
