"""Cameras: the registry, the rules that turn detections into candidate reports, one normalized
event store (Frigate and webhook alike, updated in place by event id), incidents (offline,
congestion), traffic counts and the traffic parameters (PCU factors, LOS thresholds)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.catalog.models import Area
from backend.core.db import Base, UTCDateTime, utcnow


class CameraStatus(StrEnum):
    online = "online"
    offline = "offline"
    unknown = "unknown"


class EventStatus(StrEnum):
    observed = "observed"  # no rule matched: kept as the camera's history, never in the queue
    pending = "pending"  # a candidate waiting for an operator
    confirmed = "confirmed"
    dismissed = "dismissed"
    expired = "expired"  # nobody verified it in time


class Camera(Base):
    __tablename__ = "cameras"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # = Frigate's camera name
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="traffic")  # traffic | security
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(300))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    zones: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # zone code -> Vietnamese label
    # approach (direction) -> capacity, for v/c and the level of service; in PCU/h unless
    # approach_units says "veh" (vehicles/h: v/c from vehicles, not PCU)
    approaches: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    approach_units: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default=CameraStatus.unknown)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # selectin: an area row carries its boundary polygon; load it once per request, not once per row
    area: Mapped[Area | None] = relationship(lazy="selectin")


class CameraRule(Base):
    """Which events become candidate reports (data: data/camera_rules.yaml, the staff site, the API)."""

    __tablename__ = "camera_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))  # None = all
    zone: Mapped[str | None] = mapped_column(String(64))  # None = anywhere
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_score: Mapped[float] = mapped_column(Float, default=0.0)
    min_duration_s: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[str | None] = mapped_column(String(16))  # "22:00-05:00", local time; None = always
    category: Mapped[str] = mapped_column(String(64))  # suggested report category code
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    camera: Mapped[Camera | None] = relationship(lazy="joined")


class CameraEvent(Base):
    __tablename__ = "camera_events"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_camera_events_status_started", "status", "start_time"),
        Index("ix_camera_events_camera_started", "camera_id", "start_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # frigate | webhook
    external_id: Mapped[str] = mapped_column(String(128))  # Frigate's event id / the webhook's event_id
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(64))
    sub_label: Mapped[str | None] = mapped_column(String(128))
    zone: Mapped[str | None] = mapped_column(String(64))  # the rule's zone once a candidate, else the first
    zones: Mapped[list[str]] = mapped_column(JSON, default=list)  # every zone entered
    score: Mapped[float] = mapped_column(Float, default=0.0)
    top_score: Mapped[float] = mapped_column(Float, default=0.0)
    start_time: Mapped[datetime] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_time: Mapped[datetime] = mapped_column(UTCDateTime)  # latest frame seen (dwell = last - start)
    stationary: Mapped[bool] = mapped_column(Boolean, default=False)
    has_snapshot: Mapped[bool] = mapped_column(Boolean, default=False)
    false_positive: Mapped[bool] = mapped_column(Boolean, default=False)
    updates: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.observed)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("camera_rules.id", ondelete="SET NULL"), index=True)
    category: Mapped[str | None] = mapped_column(String(64))  # suggested by the rule
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    snapshot_type: Mapped[str | None] = mapped_column(String(32))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)  # dismissal reason or the operator's note
    candidate_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    camera: Mapped[Camera] = relationship(lazy="joined")
    rule: Mapped[CameraRule | None] = relationship(lazy="joined")


class CameraIncident(Base):
    """Something the IOC must see until it is over: a camera offline, congestion on an approach."""

    __tablename__ = "camera_incidents"
    __table_args__ = (Index("ix_camera_incidents_open", "camera_id", "kind", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # offline | congestion
    direction: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    camera: Mapped[Camera] = relationship(lazy="joined")


class TrafficCount(Base):
    """Vehicles counted on one camera approach in one interval, by class (same interval again replaces)."""

    __tablename__ = "traffic_counts"
    __table_args__ = (UniqueConstraint("camera_id", "direction", "interval_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(32))
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    interval_minutes: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    vehicles: Mapped[int] = mapped_column(Integer)
    pcu: Mapped[float] = mapped_column(Float)
    los: Mapped[str | None] = mapped_column(String(1))
    # what the interval was rated with: a capacity edited later rates the next intervals only
    capacity: Mapped[float | None] = mapped_column(Float)
    vc_ratio: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrafficParameter(Base):
    """Traffic reference data with its source: PCU factor per vehicle class (kind `pcu`), upper
    v/c bound per level of service (kind `los`). Loaded from data/traffic.yaml."""

    __tablename__ = "traffic_parameters"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")
