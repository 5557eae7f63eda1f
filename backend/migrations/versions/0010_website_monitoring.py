"""Website monitoring: watched sites, raw check results, content baselines, daily rollups,
maintenance windows, incidents and their timeline (backend/monitoring/sites).

Revision ID: 0010
Revises: 0014 (given 0008; re-chained after the staff contacts, 0014, came from main)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.core.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitored_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("timeout_s", sa.Float(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("keywords_required", sa.JSON(), nullable=False),
        sa.Column("keywords_forbidden", sa.JSON(), nullable=False),
        sa.Column("failure_threshold", sa.Integer(), nullable=False),
        sa.Column("success_threshold", sa.Integer(), nullable=False),
        sa.Column("slow_ms", sa.Integer(), nullable=False),
        sa.Column("change_threshold", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("successes", sa.Integer(), nullable=False),
        sa.Column("slow_count", sa.Integer(), nullable=False),
        sa.Column("changed_count", sa.Integer(), nullable=False),
        sa.Column("last_checked_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_check_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("response_ms", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("cert_expires_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cert_issuer", sa.String(length=300), nullable=True),
        sa.Column("status_since", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_monitored_sites_agency_id_agencies"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitored_sites")),
        sa.UniqueConstraint("url", name=op.f("uq_monitored_sites_url")),
    )
    with op.batch_alter_table("monitored_sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitored_sites_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_monitored_sites_next_check_at"), ["next_check_at"], unique=False)

    op.create_table(
        "site_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("maintenance", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_ms", sa.Integer(), nullable=True),
        sa.Column("http_version", sa.String(length=16), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("final_url", sa.String(length=1000), nullable=True),
        sa.Column("redirects", sa.JSON(), nullable=False),
        sa.Column("cert_days", sa.Float(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("change_ratio", sa.Float(), nullable=True),
        sa.Column("failed", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["monitored_sites.id"], name=op.f("fk_site_checks_site_id_monitored_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_checks")),
    )
    with op.batch_alter_table("site_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_checks_checked_at"), ["checked_at"], unique=False)
        batch_op.create_index("ix_site_checks_site_at", ["site_id", "checked_at"], unique=False)

    op.create_table(
        "site_contents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("structure", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("captured_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.String(length=64), nullable=True),
        sa.Column("screenshot", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["monitored_sites.id"],
            name=op.f("fk_site_contents_site_id_monitored_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_contents")),
        sa.UniqueConstraint("site_id", "kind", name=op.f("uq_site_contents_site_id")),
    )
    op.create_table(
        "site_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("ok", sa.Integer(), nullable=False),
        sa.Column("maintenance", sa.Integer(), nullable=False),
        sa.Column("response_ms_sum", sa.Integer(), nullable=False),
        sa.Column("response_ms_max", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["monitored_sites.id"], name=op.f("fk_site_daily_site_id_monitored_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_daily")),
        sa.UniqueConstraint("site_id", "day", name=op.f("uq_site_daily_site_id")),
    )
    with op.batch_alter_table("site_daily", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_daily_day"), ["day"], unique=False)

    op.create_table(
        "site_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("open_key", sa.String(length=64), nullable=True),
        sa.Column("opened_at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("last_alert_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_site_incidents_agency_id_agencies"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["monitored_sites.id"],
            name=op.f("fk_site_incidents_site_id_monitored_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_incidents")),
        sa.UniqueConstraint("open_key", name=op.f("uq_site_incidents_open_key")),
    )
    with op.batch_alter_table("site_incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_incidents_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_incidents_site_id"), ["site_id"], unique=False)

    op.create_table(
        "site_maintenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", backend.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("start_time", sa.String(length=5), nullable=True),
        sa.Column("end_time", sa.String(length=5), nullable=True),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("on_holidays", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_site_maintenance_agency_id_agencies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["monitored_sites.id"],
            name=op.f("fk_site_maintenance_site_id_monitored_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_maintenance")),
    )
    with op.batch_alter_table("site_maintenance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_maintenance_site_id"), ["site_id"], unique=False)

    op.create_table(
        "site_incident_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", backend.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["site_incidents.id"],
            name=op.f("fk_site_incident_events_incident_id_site_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_incident_events")),
    )
    with op.batch_alter_table("site_incident_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_incident_events_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("site_incident_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_incident_events_incident_id"))

    op.drop_table("site_incident_events")
    with op.batch_alter_table("site_maintenance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_maintenance_site_id"))

    op.drop_table("site_maintenance")
    with op.batch_alter_table("site_incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_incidents_site_id"))
        batch_op.drop_index(batch_op.f("ix_site_incidents_opened_at"))

    op.drop_table("site_incidents")
    with op.batch_alter_table("site_daily", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_daily_day"))

    op.drop_table("site_daily")
    op.drop_table("site_contents")
    with op.batch_alter_table("site_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_site_checks_site_at")
        batch_op.drop_index(batch_op.f("ix_site_checks_checked_at"))

    op.drop_table("site_checks")
    with op.batch_alter_table("monitored_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitored_sites_next_check_at"))
        batch_op.drop_index(batch_op.f("ix_monitored_sites_agency_id"))

    op.drop_table("monitored_sites")
