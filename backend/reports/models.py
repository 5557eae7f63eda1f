"""Reports, their photos, their append-only timeline, ratings and supporters."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.catalog.models import Agency, Area, Category
from backend.citizens.models import Citizen
from backend.core.db import Base, UTCDateTime, utcnow


class Status(StrEnum):
    new = "new"
    assigned = "assigned"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    rejected = "rejected"


OPEN_STATUSES = (Status.new, Status.assigned, Status.in_progress)
# The same condition as literal SQL: partial indexes are used only when a query spells it out.
OPEN_SQL = "status IN ('new', 'assigned', 'in_progress')"


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_status_due", "status", "due_at"),
        Index("ix_reports_agency_status_created", "agency_id", "status", "created_at"),
        Index("ix_reports_category_created", "category_id", "created_at"),
        Index("ix_reports_lat_lon", "latitude", "longitude"),
        Index("ix_reports_resolved_at", "resolved_at"),
        Index("ix_reports_status_created", "status", "created_at"),
        Index("ix_reports_channel_created", "channel", "created_at"),
        Index("ix_reports_open_due", "due_at", sqlite_where=text(OPEN_SQL), postgresql_where=text(OPEN_SQL)),
        Index(
            "ix_reports_open_category_lat",
            "category_id",
            "latitude",
            "longitude",
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        # The IOC screen's live figures (open, overdue, per agency and channel, the SLA view, the
        # map) read only open reports, from this index alone on PostgreSQL (an index-only scan:
        # open reports are spread over the whole heap). Migration 0022.
        Index(
            "ix_reports_open_cover",
            "agency_id",
            "due_at",
            postgresql_include=["status", "channel", "created_at", "code", "category_id", "latitude", "longitude"],
            sqlite_where=text(OPEN_SQL),
            postgresql_where=text(OPEN_SQL),
        ),
        # Newest first with its tie-break (the list's default order): a page at any offset is
        # found in the index before any row is read (see reports/queries.py). Migration 0022.
        Index("ix_reports_created_id", "created_at", "id"),
        Index("ix_reports_due_id", "due_at", "id"),
        # Free-text search (ILIKE '%…%') on PostgreSQL: trigram GIN indexes (pg_trgm).
        Index(
            "ix_reports_description_trgm",
            "description",
            postgresql_using="gin",
            postgresql_ops={"description": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_reports_address_trgm", "address", postgresql_using="gin", postgresql_ops={"address": "gin_trgm_ops"}
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    description: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    category_confidence: Mapped[float | None] = mapped_column(Float)
    category_source: Mapped[str] = mapped_column(String(16), default="nlu")  # nlu | staff | citizen
    category_unsure: Mapped[bool] = mapped_column(Boolean, default=False)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    # How precise the point is: gps | map | address | street | ward | district | province | unknown
    # (backend/geo/precision.py); a ward-centre point is never a duplicate by distance alone.
    location_precision: Mapped[str] = mapped_column(String(12), default="unknown", server_default="unknown")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    status: Mapped[str] = mapped_column(String(16), default=Status.new, index=True)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    reporter_phone: Mapped[str | None] = mapped_column(String(32), index=True)
    reporter_email: Mapped[str | None] = mapped_column(String(254))  # Open311's `email`: never public
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    supporters_count: Mapped[int] = mapped_column(Integer, default=0)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)

    category: Mapped[Category] = relationship(lazy="joined")
    area: Mapped[Area | None] = relationship(lazy="joined")
    agency: Mapped[Agency | None] = relationship(lazy="joined")
    citizen: Mapped[Citizen | None] = relationship(lazy="raise")
    duplicate_of: Mapped[Report | None] = relationship(remote_side="Report.id", lazy="raise")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="report", lazy="raise", order_by="Attachment.id"
    )
    events: Mapped[list[ReportEvent]] = relationship(back_populates="report", lazy="raise", order_by="ReportEvent.id")
    rating: Mapped[Rating | None] = relationship(back_populates="report", lazy="raise", uselist=False)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < now


class Attachment(Base):
    """A photo stored by sha256 under MEDIA_DIR; public only after staff approve it."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8), default="before")  # before | after
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="citizen")  # citizen | staff
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="attachments", lazy="raise")



class ReportEvent(Base):
    """Append-only timeline entry: who did what, when, from which status to which."""

    __tablename__ = "report_events"
    # The classifier's corrections (backend/reports/corrections.py, the admin's "Phân loại tự động"):
    # the recategorize events per report without reading the millions of other events.
    __table_args__ = (Index("ix_report_events_action_report_at", "action", "report_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))  # citizen | staff | system
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    report: Mapped[Report] = relationship(back_populates="events", lazy="raise")


class Rating(Base):
    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), unique=True)
    stars: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="chat")  # chat | web | hotline | api
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    report: Mapped[Report] = relationship(back_populates="rating", lazy="raise")


class Supporter(Base):
    """A citizen who said "me too" on an open report; they hear its result as well."""

    __tablename__ = "report_supporters"
    __table_args__ = (UniqueConstraint("report_id", "citizen_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    citizen: Mapped[Citizen] = relationship(lazy="joined")


class Question(Base):
    """A question staff asked the reporter on their channel; the person's next message answers it."""

    __tablename__ = "report_questions"
    __table_args__ = (Index("ix_report_questions_waiting", "citizen_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # the answer shown on the public page
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_by_label: Mapped[str] = mapped_column(String(200), default="")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # waiting (sent, no answer yet) | answered | callback (no chat: the hotline calls) | cancelled
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pauses_deadline: Mapped[bool] = mapped_column(Boolean, default=False)


class CallbackTask(Base):
    """Work for the hotline: call the reporter back (a question for someone without a chat, or a
    notice nothing could deliver)."""

    __tablename__ = "callback_tasks"
    __table_args__ = (Index("ix_callback_tasks_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))  # question | unreachable
    note: Mapped[str] = mapped_column(Text, default="")
    question_id: Mapped[int | None] = mapped_column(ForeignKey("report_questions.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
