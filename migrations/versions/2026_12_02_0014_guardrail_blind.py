"""guardrail_states.unknown_since, .blind: a check without data for its `for` is said on the card

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 14:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("guardrail_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unknown_since", bot.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("blind", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("guardrail_states", schema=None) as batch_op:
        batch_op.drop_column("blind")
        batch_op.drop_column("unknown_since")
