"""cadence: update reminders, snooze and escalation state on incidents

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", bot.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("snoozed_until", bot.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("escalation_step", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("escalation_step")
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("reminded_at")
