"""alert group titles stored plain

An alert group's title was stored escaped for Slack (`&lt;`); it is now stored as the alert said it and escaped when
rendered. An incident's title stays Slack text (what a person typed, mentions kept).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNESCAPE = "replace(replace(replace(title, '&lt;', '<'), '&gt;', '>'), '&amp;', '&')"
_ESCAPE = "replace(replace(replace(title, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def upgrade() -> None:
    op.execute(sa.text(f"UPDATE alert_groups SET title = {_UNESCAPE}"))


def downgrade() -> None:
    op.execute(sa.text(f"UPDATE alert_groups SET title = {_ESCAPE}"))
