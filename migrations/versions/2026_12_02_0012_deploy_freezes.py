"""deploy_freezes: a model's deploys held by an incident or by a person, until the incident ends or someone unfreezes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deploy_freezes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("frozen_by", sa.String(length=32), nullable=False),
        sa.Column("since", bot.models.UTCDateTime(), nullable=False),
        sa.Column("ended_at", bot.models.UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("deploy_freezes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deploy_freezes_model"), ["model"], unique=False)
        batch_op.create_index(batch_op.f("ix_deploy_freezes_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deploy_freezes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deploy_freezes_incident_id"))
        batch_op.drop_index(batch_op.f("ix_deploy_freezes_model"))
    op.drop_table("deploy_freezes")
