"""Staff accounts. Roles: admin, supervisor, hotline, officer (one agency)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.catalog.models import Agency
from backend.core.db import Base, UTCDateTime, utcnow


class Role(StrEnum):
    admin = "admin"
    supervisor = "supervisor"
    hotline = "hotline"
    officer = "officer"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where staff alerts reach this person (IOC incidents, escalations): any that are set.
    email: Mapped[str | None] = mapped_column(String(254))
    telegram_chat_id: Mapped[str | None] = mapped_column(String(64))
    zalo_user_id: Mapped[str | None] = mapped_column(String(64))

    agency: Mapped[Agency | None] = relationship(lazy="joined")

    @property
    def sees_all(self) -> bool:
        return self.role in (Role.admin, Role.supervisor, Role.hotline)
