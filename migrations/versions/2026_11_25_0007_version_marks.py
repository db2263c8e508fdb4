"""version_marks: the version ledger (known bad: rolled back from; known good: verified after containment)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 05:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "version_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=200), nullable=False),
        sa.Column("mark", sa.String(length=8), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("marked_by", sa.String(length=32), nullable=True),
        sa.Column("marked_at", bot.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"]),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("version_marks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_version_marks_model"), ["model"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("version_marks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_version_marks_model"))
    op.drop_table("version_marks")
