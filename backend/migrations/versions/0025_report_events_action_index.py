"""Report events: an index on (action, report_id, at), so the classifier's corrections (the
recategorize events, grouped per report) are read without scanning every event.

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_report_events_action_report_at", "report_events", ["action", "report_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_report_events_action_report_at", table_name="report_events")
