"""Chat inbox: each event's lane (a number derived from the sender), so that several inbox worker
processes can share the events while each person's events stay in one worker, in order.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_processed_events") as batch:
        batch.add_column(sa.Column("lane", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("chat_processed_events") as batch:
        batch.drop_column("lane")
