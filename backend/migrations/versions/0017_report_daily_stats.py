"""The operations screen's rollup: per day, agency, category and ward.

Revision ID: 0017
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_daily_stats",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id", ondelete="CASCADE"), nullable=True),
        sa.Column("category_id", sa.Integer, sa.ForeignKey("categories.id", ondelete="CASCADE"), nullable=False),
        sa.Column("area_id", sa.Integer, sa.ForeignKey("areas.id", ondelete="CASCADE"), nullable=True),
        sa.Column("received", sa.Integer, nullable=False, server_default="0"),
        sa.Column("resolved", sa.Integer, nullable=False, server_default="0"),
        sa.Column("resolved_on_time", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ratings", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rating_sum", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reopened", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_report_daily_stats_day_agency", "report_daily_stats", ["day", "agency_id"])


def downgrade() -> None:
    op.drop_index("ix_report_daily_stats_day_agency", table_name="report_daily_stats")
    op.drop_table("report_daily_stats")
