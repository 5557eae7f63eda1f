"""How precise a report's point is (issue 11 item 5): `reports.location_precision`, backfilled;
and the reporter's e-mail an Open311 client may send (item 15): `reports.reporter_email`.

A report whose point is its ward's centre was placed by the offline gazetteer (`ward`); one with
no typed address had its point shared (`gps`), or picked on a map on the portal or the hotline
desk (`map`, as a point beside an address there); a camera's is its position (`gps`); a typed
address placed elsewhere (Nominatim: house or street?) cannot be told and stays `unknown`,
which duplicate search treats as coarse.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AT_CENTRE = (
    "EXISTS (SELECT 1 FROM areas a WHERE a.id = reports.area_id"
    " AND abs(a.latitude - reports.latitude) < 0.000001 AND abs(a.longitude - reports.longitude) < 0.000001)"
)


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("location_precision", sa.String(12), nullable=False, server_default="unknown"))
        batch.add_column(sa.Column("reporter_email", sa.String(254), nullable=True))
    op.execute(f"UPDATE reports SET location_precision = 'ward' WHERE latitude IS NOT NULL AND {AT_CENTRE}")
    op.execute(
        "UPDATE reports SET location_precision = CASE WHEN channel IN ('web', 'hotline') THEN 'map' ELSE 'gps' END"
        " WHERE latitude IS NOT NULL AND location_precision = 'unknown'"
        " AND (address IS NULL OR address = '' OR channel IN ('web', 'hotline', 'camera'))"
    )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("reporter_email")
        batch.drop_column("location_precision")
