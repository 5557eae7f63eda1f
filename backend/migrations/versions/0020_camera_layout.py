"""Cameras: the unit of each approach's capacity (PCU/h or vehicles/h), and the capacity and v/c
each traffic interval was rated with (a capacity edited later rates the next intervals only).

Revision ID: 0020
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approach_units", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("traffic_counts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("capacity", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("vc_ratio", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("traffic_counts", schema=None) as batch_op:
        batch_op.drop_column("vc_ratio")
        batch_op.drop_column("capacity")
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_column("approach_units")
