"""Online public-service dossiers per agency and month, as the provincial one-stop system
(Hệ thống thông tin giải quyết thủ tục hành chính) counts them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.catalog.models import Agency
from backend.core.db import Base, UTCDateTime, utcnow

COUNTS = ("received", "carried_over", "resolved_on_time", "resolved_late", "in_progress", "in_progress_late",
          "online_received", "paid_online", "digitized")
OPTIONAL_COUNTS = ("resolved_early", "payable", "returned")


class DossierStats(Base):
    __tablename__ = "public_service_stats"
    __table_args__ = (UniqueConstraint("agency_id", "period"), Index("ix_public_service_stats_period", "period"))

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))  # 2026-10
    received: Mapped[int] = mapped_column(Integer)  # tiếp nhận trong kỳ
    carried_over: Mapped[int] = mapped_column(Integer)  # kỳ trước chuyển sang
    resolved_on_time: Mapped[int] = mapped_column(Integer)  # giải quyết trước và đúng hạn
    resolved_early: Mapped[int | None] = mapped_column(Integer)  # of which before the deadline
    resolved_late: Mapped[int] = mapped_column(Integer)  # giải quyết quá hạn
    in_progress: Mapped[int] = mapped_column(Integer)  # đang giải quyết (all)
    in_progress_late: Mapped[int] = mapped_column(Integer)  # of which already past the deadline
    returned: Mapped[int | None] = mapped_column(Integer)  # trả lại, rút hồ sơ
    online_received: Mapped[int] = mapped_column(Integer)  # nộp trực tuyến
    payable: Mapped[int | None] = mapped_column(Integer)  # có phí, lệ phí (denominator of online payment)
    paid_online: Mapped[int] = mapped_column(Integer)  # thanh toán trực tuyến
    digitized: Mapped[int] = mapped_column(Integer)  # số hóa hồ sơ, kết quả
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_import_batches.id", ondelete="SET NULL"))
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")
