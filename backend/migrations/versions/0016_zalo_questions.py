"""Zalo in production and questions to the citizen: message receipts (message id, route, received /
seen), questions staff ask the reporter, call-back tasks for the hotline, the bot paused while a
person answers by hand, and the audit of personal data erased at a citizen's request.

Revision ID: 0016
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.core.db import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("citizens") as batch:
        batch.add_column(sa.Column("bot_paused_until", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("erased_at", UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "citizen_erasures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("citizen_id", sa.Integer(), sa.ForeignKey("citizens.id", ondelete="SET NULL"), index=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "message_receipts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox.id", ondelete="CASCADE"), index=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("message_id", sa.String(128)),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True)),
        sa.Column("seen_at", UTCDateTime(timezone=True)),
        sa.UniqueConstraint("channel", "message_id"),
    )
    op.create_table(
        "report_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True),
        sa.Column("citizen_id", sa.Integer(), sa.ForeignKey("citizens.id", ondelete="SET NULL")),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("asked_by_label", sa.String(200), nullable=False),
        sa.Column("asked_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text()),
        sa.Column("answered_at", UTCDateTime(timezone=True)),
        sa.Column("reminded_at", UTCDateTime(timezone=True)),
        sa.Column("pauses_deadline", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_report_questions_waiting", "report_questions", ["citizen_id", "status"])
    op.create_table(
        "callback_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("question_id", sa.Integer(), sa.ForeignKey("report_questions.id", ondelete="SET NULL")),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", UTCDateTime(timezone=True)),
        sa.Column("done_by_id", sa.Integer(), sa.ForeignKey("users.id")),
    )
    op.create_index("ix_callback_tasks_status", "callback_tasks", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_callback_tasks_status", "callback_tasks")
    op.drop_table("callback_tasks")
    op.drop_index("ix_report_questions_waiting", "report_questions")
    op.drop_table("report_questions")
    op.drop_table("message_receipts")
    op.drop_table("citizen_erasures")
    with op.batch_alter_table("citizens") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("bot_paused_until")
