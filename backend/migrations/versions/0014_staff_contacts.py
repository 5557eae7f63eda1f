"""Staff contacts for alerts: e-mail, Telegram chat id, Zalo user id.

Revision ID: 0014
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("telegram_chat_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("zalo_user_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("zalo_user_id")
        batch.drop_column("telegram_chat_id")
        batch.drop_column("email")
