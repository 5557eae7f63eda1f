"""Chat inbox: when an event was taken for processing (a worker that died mid-way is noticed).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_processed_events") as batch:
        batch.add_column(sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_processed_events") as batch:
        batch.drop_column("claimed_at")
