"""Search indexes: trigram GIN on report text (PostgreSQL), queue sorts, resolved_at for the rollup.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_reports_resolved_at", "reports", ["resolved_at"])
    op.create_index("ix_reports_status_created", "reports", ["status", "created_at"])
    op.create_index("ix_reports_channel_created", "reports", ["channel", "created_at"])
    open_sql = sa.text("status IN ('new', 'assigned', 'in_progress')")
    op.create_index("ix_reports_open_due", "reports", ["due_at"], sqlite_where=open_sql, postgresql_where=open_sql)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_reports_description_trgm",
            "reports",
            ["description"],
            postgresql_using="gin",
            postgresql_ops={"description": "gin_trgm_ops"},
        )
        op.create_index(
            "ix_reports_address_trgm",
            "reports",
            ["address"],
            postgresql_using="gin",
            postgresql_ops={"address": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_reports_address_trgm", table_name="reports")
        op.drop_index("ix_reports_description_trgm", table_name="reports")
    op.drop_index("ix_reports_open_due", table_name="reports")
    op.drop_index("ix_reports_channel_created", table_name="reports")
    op.drop_index("ix_reports_status_created", table_name="reports")
    op.drop_index("ix_reports_resolved_at", table_name="reports")
