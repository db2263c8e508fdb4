"""Slack deliveries already acted on: the database remembers each one's key, so a replayed or retried request is
acknowledged and not acted on again, whichever replica it reaches. Keys older than an hour are forgotten: Slack's
signature is only good for five minutes, so nothing older can come back."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete

from bot.models import SlackDelivery
from bot.runtime.db import Database

__all__ = ["KEEP", "first_time", "forget_old"]

KEEP = timedelta(hours=1)


async def first_time(db: Database, *, key: str, now: datetime) -> bool:
    """True the first time `key` is seen; False for a replay (the row is already there)."""
    try:
        async with db.session_scope() as session:
            await session.exec(sa.insert(SlackDelivery).values(key=key, seen_at=now))
    except IntegrityError:
        return False
    return True


async def forget_old(db: Database, *, now: datetime) -> None:
    async with db.session_scope() as session:
        await session.exec(delete(SlackDelivery).where(col(SlackDelivery.seen_at) < now - KEEP))
