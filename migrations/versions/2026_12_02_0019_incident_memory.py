"""incident_memory: each incident's facts and words for finding similar ones, and the ones found; catchup_offers;
alert_groups.similar

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_memory",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("declared_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("metric", sa.String(length=200), nullable=True),
        sa.Column("slices", sa.JSON(), nullable=False),
        sa.Column("deploy_before", sa.Boolean(), nullable=False),
        sa.Column("drop", sa.Float(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("similar", sa.JSON(), nullable=False),
        sa.Column("recalled_at", bot.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("incident_id"),
    )
    with op.batch_alter_table("incident_memory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_memory_updated_at"), ["updated_at"], unique=False)
    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("similar", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "catchup_offers",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("offered_at", bot.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("incident_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("catchup_offers")
    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.drop_column("similar")
    with op.batch_alter_table("incident_memory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_memory_updated_at"))
    op.drop_table("incident_memory")
