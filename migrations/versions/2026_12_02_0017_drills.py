"""drills: each play of a drill scenario, its simulated service and its scorecard; incidents.drill_speed

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("drill_speed", sa.Float(), nullable=True))
    op.create_table(
        "drills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.String(length=60), nullable=False),
        sa.Column("speed", sa.Float(), nullable=False),
        sa.Column("started_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("started_by", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("people", sa.JSON(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("alerts_sent", sa.Integer(), nullable=False),
        sa.Column("service", sa.JSON(), nullable=False),
        sa.Column("contained", sa.JSON(), nullable=False),
        sa.Column("scorecard", sa.JSON(), nullable=False),
        sa.Column("ended_at", bot.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("drills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drills_scenario"), ["scenario"], unique=False)
        batch_op.create_index(batch_op.f("ix_drills_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("drills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drills_incident_id"))
        batch_op.drop_index(batch_op.f("ix_drills_scenario"))
    op.drop_table("drills")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("drill_speed")
