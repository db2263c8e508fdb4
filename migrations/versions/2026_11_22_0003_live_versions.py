"""live versions: what sevbot saw live on each model's serving platform

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.models

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("first_seen_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", bot.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model", "version", name="uq_live_versions_model_version"),
    )
    with op.batch_alter_table("live_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_versions_model"), ["model"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("live_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_versions_model"))
    op.drop_table("live_versions")
