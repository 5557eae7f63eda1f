"""Socio-economic indicators (registry, observations with their history, targets, import
batches, data-entry deadlines and reminders) and public-service dossier statistics.

Revision ID: 0011
Revises: 0014 (given 0008; re-chained after merging main, which has 0014 on 0008)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicator_target_kinds",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_indicator_target_kinds")),
    )
    op.create_table(
        "indicator_entry_deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("month_offset", sa.Integer(), nullable=False),
        sa.Column("remind_days_before", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_indicator_entry_deadlines_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_entry_deadlines")),
        sa.UniqueConstraint("agency_id", "frequency", name=op.f("uq_indicator_entry_deadlines_agency_id")),
    )
    op.create_table(
        "indicator_entry_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("sent_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_indicator_entry_reminders_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_entry_reminders")),
        sa.UniqueConstraint("agency_id", "period", "kind", name=op.f("uq_indicator_entry_reminders_agency_id")),
    )
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("change", sa.String(length=8), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("formula", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("breakdowns", sa.JSON(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["agencies.id"], name=op.f("fk_indicators_owner_id_agencies"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicators")),
        sa.UniqueConstraint("code", name=op.f("uq_indicators_code")),
    )
    op.create_index(op.f("ix_indicators_owner_id"), "indicators", ["owner_id"], unique=False)
    op.create_table(
        "indicator_import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_indicator_import_batches_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_import_batches")),
    )
    op.create_index(
        op.f("ix_indicator_import_batches_created_at"), "indicator_import_batches", ["created_at"], unique=False
    )
    op.create_table(
        "indicator_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_indicator_observations_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["indicator_import_batches.id"],
            name=op.f("fk_indicator_observations_batch_id_indicator_import_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_observations_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_observations")),
        sa.UniqueConstraint("indicator_id", "area_id", "period", name=op.f("uq_indicator_observations_indicator_id")),
    )
    op.create_index(
        "ix_indicator_observations_series",
        "indicator_observations",
        ["indicator_id", "area_id", "period_start"],
        unique=False,
    )
    op.create_table(
        "indicator_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_indicator_targets_area_id_areas")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["indicator_import_batches.id"],
            name=op.f("fk_indicator_targets_batch_id_indicator_import_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicators.id"],
            name=op.f("fk_indicator_targets_indicator_id_indicators"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["kind"], ["indicator_target_kinds.code"], name=op.f("fk_indicator_targets_kind_indicator_target_kinds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_targets")),
        sa.UniqueConstraint("indicator_id", "area_id", "year", "kind", name=op.f("uq_indicator_targets_indicator_id")),
    )
    op.create_index(op.f("ix_indicator_targets_indicator_id"), "indicator_targets", ["indicator_id"], unique=False)
    op.create_table(
        "public_service_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("carried_over", sa.Integer(), nullable=False),
        sa.Column("resolved_on_time", sa.Integer(), nullable=False),
        sa.Column("resolved_early", sa.Integer(), nullable=True),
        sa.Column("resolved_late", sa.Integer(), nullable=False),
        sa.Column("in_progress", sa.Integer(), nullable=False),
        sa.Column("in_progress_late", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=True),
        sa.Column("online_received", sa.Integer(), nullable=False),
        sa.Column("payable", sa.Integer(), nullable=True),
        sa.Column("paid_online", sa.Integer(), nullable=False),
        sa.Column("digitized", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_public_service_stats_agency_id_agencies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["indicator_import_batches.id"],
            name=op.f("fk_public_service_stats_batch_id_indicator_import_batches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_service_stats")),
        sa.UniqueConstraint("agency_id", "period", name=op.f("uq_public_service_stats_agency_id")),
    )
    op.create_index("ix_public_service_stats_period", "public_service_stats", ["period"], unique=False)
    op.create_table(
        "indicator_observation_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("previous_value", sa.Float(), nullable=True),
        sa.Column("previous_status", sa.String(length=12), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["indicator_import_batches.id"],
            name=op.f("fk_indicator_observation_revisions_batch_id_indicator_import_batches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["indicator_observations.id"],
            name=op.f("fk_indicator_observation_revisions_observation_id_indicator_observations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_observation_revisions")),
    )
    op.create_index(
        op.f("ix_indicator_observation_revisions_batch_id"),
        "indicator_observation_revisions",
        ["batch_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_indicator_observation_revisions_observation_id"),
        "indicator_observation_revisions",
        ["observation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_indicator_observation_revisions_observation_id"), table_name="indicator_observation_revisions"
    )
    op.drop_index(op.f("ix_indicator_observation_revisions_batch_id"), table_name="indicator_observation_revisions")
    op.drop_table("indicator_observation_revisions")
    op.drop_index("ix_public_service_stats_period", table_name="public_service_stats")
    op.drop_table("public_service_stats")
    op.drop_index(op.f("ix_indicator_targets_indicator_id"), table_name="indicator_targets")
    op.drop_table("indicator_targets")
    op.drop_index("ix_indicator_observations_series", table_name="indicator_observations")
    op.drop_table("indicator_observations")
    op.drop_index(op.f("ix_indicator_import_batches_created_at"), table_name="indicator_import_batches")
    op.drop_table("indicator_import_batches")
    op.drop_index(op.f("ix_indicators_owner_id"), table_name="indicators")
    op.drop_table("indicators")
    op.drop_table("indicator_entry_reminders")
    op.drop_table("indicator_entry_deadlines")
    op.drop_table("indicator_target_kinds")
