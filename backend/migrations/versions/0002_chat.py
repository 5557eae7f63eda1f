"""chat state, processed chat events, Zalo tokens

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_states")),
        sa.UniqueConstraint("channel", "user_id", name=op.f("uq_chat_states_channel")),
    )
    with op.batch_alter_table("chat_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_states_updated_at"), ["updated_at"], unique=False)
    op.create_table(
        "chat_processed_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_processed_events")),
        sa.UniqueConstraint("channel", "event_id", name=op.f("uq_chat_processed_events_channel")),
    )
    with op.batch_alter_table("chat_processed_events", schema=None) as batch_op:
        batch_op.create_index("ix_chat_processed_events_status", ["channel", "status", "created_at"], unique=False)
    op.create_table(
        "zalo_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("expires_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("refreshing_until", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zalo_tokens")),
    )


def downgrade() -> None:
    op.drop_table("zalo_tokens")
    with op.batch_alter_table("chat_processed_events", schema=None) as batch_op:
        batch_op.drop_index("ix_chat_processed_events_status")
    op.drop_table("chat_processed_events")
    with op.batch_alter_table("chat_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_states_updated_at"))
    op.drop_table("chat_states")
