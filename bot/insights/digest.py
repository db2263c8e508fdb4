"""The weekly insights digest (`insights.digest` in sevbot.yml, off by default): once its weekday and time have come
in a week, a `digests` row for that ISO week is the claim, and the `DIGEST` outbox row is queued in the same
transaction. Two replicas ticking at once insert the same key: one wins, the other's transaction fails and queues
nothing, so the digest is posted once. A week whose time passed while sevbot was down is sent when it starts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.config import WEEKDAYS, Config, DigestSettings
from bot.models import Digest
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind, enqueue

__all__ = ["Digests", "due", "week_of"]

log = logging.getLogger(__name__)

SUBJECT = "digest"


def week_of(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def due(settings: DigestSettings, now: datetime) -> datetime:
    """This week's moment for the digest (UTC)."""
    hour, minute = (int(part) for part in settings.at.split(":"))
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday + timedelta(days=WEEKDAYS.index(settings.weekday), hours=hour, minutes=minute)


class Digests:
    def __init__(self, *, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock

    async def tick(self) -> bool:
        """Claim and queue this week's digest if it is due and nobody has; whether this replica did."""
        settings = self.config.insights.digest
        now = self.clock.now()
        if settings is None or now < due(settings, now):
            return False
        week = week_of(now)
        try:
            async with self.db.session_scope() as session:
                if await session.get(Digest, week) is not None:
                    return False
                await session.exec(sa.insert(Digest).values(week=week, sent_at=now))
                await enqueue(session, kind=OutboxKind.DIGEST, now=now, subject=SUBJECT, week=week, days=settings.days)
        except IntegrityError:  # another replica claimed it between our read and our insert
            return False
        log.info("weekly digest %s queued", week)
        return True
