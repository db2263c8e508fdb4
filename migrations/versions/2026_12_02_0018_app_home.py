"""App Home and insights: home_views, home_charts, digests; indexes for the periods the insights read

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 22:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "home_views",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("opened_at", bot.models.UTCDateTime(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("home_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_home_views_opened_at"), ["opened_at"], unique=False)
    op.create_table(
        "home_charts",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("made_at", bot.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "digests",
        sa.Column("week", sa.String(length=16), nullable=False),
        sa.Column("sent_at", bot.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("week"),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_declared_at"), ["declared_at"], unique=False)
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_assignments_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_groups_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_groups_created_at"))
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_assignments_user_id"))
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_declared_at"))
    op.drop_table("digests")
    with op.batch_alter_table("home_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_home_views_opened_at"))
    op.drop_table("home_views")
    op.drop_table("home_charts")
