"""Chat state per (channel, user) and the ids of chat events already handled (idempotency)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow


class ChatState(Base):
    __tablename__ = "chat_states"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ProcessedEvent(Base):
    """One row per inbound event (Zalo msg_id, Telegram update_id): redeliveries are skipped."""

    __tablename__ = "chat_processed_events"
    __table_args__ = (
        UniqueConstraint("channel", "event_id"),
        Index("ix_chat_processed_events_status", "channel", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    # received (stored, answered 200) -> processing (taken by a worker) -> answered (the turn is
    # committed, its replies kept here) -> done (replies delivered, or handed to the outbox) | failed
    status: Mapped[str] = mapped_column(String(16), default="received")
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # to process again after a crash
    replies: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # to send again after a crash
    # From the sender's id (0..1023): with N inbox workers, worker i takes the lanes = i mod N, so
    # one person's events are always processed by the same worker, in order.
    lane: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # taken for processing
    # The worker id (backend/core/claimers.py) of the process that took it: a restarted server
    # takes back at once what a dead worker held, instead of waiting for the STALE lease.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    # How many of `replies` went out, each recorded right after its send: a reclaimed event sends
    # only the rest (the window for a repeat is the one message in flight).
    replies_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
