"""Site checks: the checker's own delay while a check ran (checker_lag_ms) and whether it opened
a new connection (new_connection; false: a kept-alive connection of an earlier check).

Revision ID: 0024
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("site_checks") as batch:
        batch.add_column(sa.Column("checker_lag_ms", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("new_connection", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("site_checks") as batch:
        batch.drop_column("new_connection")
        batch.drop_column("checker_lag_ms")
