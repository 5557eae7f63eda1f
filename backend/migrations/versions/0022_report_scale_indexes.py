"""Indexes for the IOC screen and the report list at a province's scale (1 M reports).

- ix_reports_open_cover: open reports only, covering what the live figures, the SLA view and the
  map read (PostgreSQL: INCLUDE columns, an index-only scan instead of ~15,000 scattered heap
  pages at 1 M reports).
- ix_reports_created_id, ix_reports_due_id: the list's sort keys with their id tie-break, so a page
  at any offset is picked from the index before rows are read.

Revision ID: 0022
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_SQL = "status IN ('new', 'assigned', 'in_progress')"


def upgrade() -> None:
    op.create_index(
        "ix_reports_open_cover", "reports", ["agency_id", "due_at"],
        postgresql_include=["status", "channel", "created_at", "code", "category_id", "latitude", "longitude"],
        sqlite_where=sa.text(OPEN_SQL), postgresql_where=sa.text(OPEN_SQL),
    )
    op.create_index("ix_reports_created_id", "reports", ["created_at", "id"])
    op.create_index("ix_reports_due_id", "reports", ["due_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_reports_due_id", table_name="reports")
    op.drop_index("ix_reports_created_id", table_name="reports")
    op.drop_index("ix_reports_open_cover", table_name="reports")
