"""guardrail_states: each guardrail check of a canary, its last values and since when it has been breached

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "guardrail_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("metric", sa.String(length=200), nullable=False),
        sa.Column("canary", sa.String(length=200), nullable=False),
        sa.Column("stable", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("canary_value", sa.Float(), nullable=True),
        sa.Column("stable_value", sa.Float(), nullable=True),
        sa.Column("limit", sa.Float(), nullable=True),
        sa.Column("breached_since", bot.models.UTCDateTime(), nullable=True),
        sa.Column("checked_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model", "metric", "canary", name="uq_guardrail_states_check"),
    )
    with op.batch_alter_table("guardrail_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_guardrail_states_model"), ["model"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("guardrail_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardrail_states_model"))
    op.drop_table("guardrail_states")
