"""Indicators (the registry from data/indicators.yaml), observations with their status and full
history, targets per year and kind, import batches, data-entry deadlines and reminders sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.catalog.models import Agency, Area
from backend.core.db import Base, UTCDateTime, utcnow
from backend.staff.models import User

STATUSES = ("estimate", "preliminary", "official")  # each later one replaces the earlier
STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}


class Indicator(Base):
    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[str] = mapped_column(String(16))  # month | quarter | 6_9_months | year
    kind: Mapped[str] = mapped_column(String(8))  # flow | stock
    change: Mapped[str] = mapped_column(String(8), default="percent")  # percent | points
    direction: Mapped[str] = mapped_column(String(8), default="higher")  # higher | lower | neutral
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    formula: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    breakdowns: Mapped[list[str]] = mapped_column(JSON, default=list)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    owner: Mapped[Agency | None] = relationship(lazy="joined")


class TargetKind(Base):
    __tablename__ = "indicator_target_kinds"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=9)  # 1 = the reference for % of target


class EntryDeadline(Base):
    """Figures of a period of `frequency` are due on `day` of the `month_offset`-th month after it."""

    __tablename__ = "indicator_entry_deadlines"
    __table_args__ = (UniqueConstraint("agency_id", "frequency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    frequency: Mapped[str] = mapped_column(String(16))
    day: Mapped[int] = mapped_column(Integer)
    month_offset: Mapped[int] = mapped_column(Integer, default=1)
    remind_days_before: Mapped[int] = mapped_column(Integer, default=2)

    agency: Mapped[Agency] = relationship(lazy="joined")


class ImportBatch(Base):
    """One accepted file or API push: who, when, which file (its name and sha256), how many rows."""

    __tablename__ = "indicator_import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # observations | targets | dossiers
    filename: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(16), default="file")  # file | api | admin | cli | demo
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User | None] = relationship(lazy="raise")


class Observation(Base):
    """The current figure of an indicator for an area and period (its best status so far)."""

    __tablename__ = "indicator_observations"
    __table_args__ = (
        UniqueConstraint("indicator_id", "area_id", "period"),
        Index("ix_indicator_observations_series", "indicator_id", "area_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    period: Mapped[str] = mapped_column(String(10))  # 2026, 2026-Q3, 2026-6M, 2026-10
    period_start: Mapped[date] = mapped_column(Date)
    months: Mapped[int] = mapped_column(Integer)  # 1, 3, 6, 9, 12
    value: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_import_batches.id", ondelete="SET NULL"))
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship(lazy="raise")


class ObservationRevision(Base):
    """Append-only history: every value or status an observation has had, who set it, from where."""

    __tablename__ = "indicator_observation_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("indicator_observations.id", ondelete="CASCADE"),
                                                index=True)
    value: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12))
    previous_value: Mapped[float | None] = mapped_column(Float)
    previous_status: Mapped[str | None] = mapped_column(String(12))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_import_batches.id", ondelete="SET NULL"),
                                                 index=True)
    changed_by: Mapped[str] = mapped_column(String(64), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(300), default="")  # the file name, or "api"


class Target(Base):
    __tablename__ = "indicator_targets"
    __table_args__ = (UniqueConstraint("indicator_id", "area_id", "year", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(ForeignKey("indicator_target_kinds.code"))
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_import_batches.id", ondelete="SET NULL"))
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # earlier values, who, when


class EntryReminder(Base):
    """A reminder or late notice sent to an agency for a period (once each: the unique key)."""

    __tablename__ = "indicator_entry_reminders"
    __table_args__ = (UniqueConstraint("agency_id", "period", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(8))  # remind | late
    indicators: Mapped[list[str]] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
