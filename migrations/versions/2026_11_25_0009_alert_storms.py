"""alert_storms: many new alert groups at once gathered into one storm card; alert_groups.storm_id

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_storms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.Column("thread", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alert_storms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_storms_updated_at"), ["updated_at"], unique=False)
    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("storm_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_alert_groups_storm_id", "alert_storms", ["storm_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.drop_constraint("fk_alert_groups_storm_id", type_="foreignkey")
        batch_op.drop_column("storm_id")
    with op.batch_alter_table("alert_storms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_storms_updated_at"))
    op.drop_table("alert_storms")
