"""The Zalo OA token pair: one row, refreshed ahead of expiry, one refresh at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.db import Base, UTCDateTime, utcnow


class ZaloToken(Base):
    __tablename__ = "zalo_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # lease (SQLite lock)
    last_error: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="env")  # env | refresh | oauth
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
