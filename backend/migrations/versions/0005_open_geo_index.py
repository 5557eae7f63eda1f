"""Duplicate search: open reports by category and latitude (a partial index).

`nearby_open` runs on every new report; with the plain (latitude, longitude) index it read every
report, open or not, in a 200 m band across the whole map, which grows with the table.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    open_sql = sa.text("status IN ('new', 'assigned', 'in_progress')")
    op.create_index(
        "ix_reports_open_category_lat",
        "reports",
        ["category_id", "latitude", "longitude"],
        sqlite_where=open_sql,
        postgresql_where=open_sql,
    )


def downgrade() -> None:
    op.drop_index("ix_reports_open_category_lat", table_name="reports")
