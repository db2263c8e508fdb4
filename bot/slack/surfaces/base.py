"""What every Slack surface is given: the shared poster, the database, configuration, templates and clock; reading
and saving an incident; and telling the channel what Slack refused for good. Surfaces are separate objects: one that
needs another is handed it (the incident channel its announcements), never mixed in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, update

from bot.clock import Clock
from bot.config import Config
from bot.incidents import IncidentSnapshot, snapshot
from bot.incidents.timeline import EventKind, record_and_post
from bot.models import SYSTEM_ACTOR, Incident
from bot.runtime.db import Database
from bot.runtime.outbox import NotReady
from bot.slack.poster import Poster
from bot.texts import Texts

__all__ = ["Surface", "SurfaceContext"]

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class SurfaceContext:
    poster: Poster
    db: Database
    config: Config
    texts: Texts
    clock: Clock
    on_refused: Callable[[str], None] | None = None  # counts a step refused for good (metrics)


class Surface:
    def __init__(self, context: SurfaceContext) -> None:
        self.context = context
        self.poster = context.poster
        self.client = context.poster.client
        self.db = context.db
        self.config = context.config
        self.texts = context.texts
        self.clock = context.clock

    async def _load(self, incident_id: int) -> IncidentSnapshot:
        async with self.db.session_scope() as session:
            incident = await session.get(Incident, incident_id)
            if incident is None:
                raise ValueError(f"incident {incident_id} does not exist")
            return await snapshot(session, incident)

    async def _save(self, incident_id: int, **fields: Any) -> None:
        """Record what Slack just did (channel, card timestamp, pinned…): one UPDATE, nothing read back."""
        async with self.db.session_scope() as session:
            await session.exec(update(Incident).where(col(Incident.id) == incident_id).values(**fields))

    async def _channel_of(self, incident_id: int) -> str:
        snap = await self._load(incident_id)
        if snap.incident.channel_id is None:
            raise NotReady(f"INC-{incident_id} has no channel yet")
        return snap.incident.channel_id

    async def report_refused(self, incident_id: int, step: str, error: str) -> None:
        """On the timeline and in the channel: what could not be done, and Slack's reason."""
        log.warning("INC-%s: Slack refused %s for good: %s", incident_id, step, error)
        if self.context.on_refused is not None:
            self.context.on_refused(step)
        async with self.db.session_scope() as session:
            await record_and_post(
                session,
                incident_id=incident_id,
                actor=SYSTEM_ACTOR,
                kind=EventKind.SLACK_REFUSED,
                at=self.clock.now(),
                step=step,
                error=error,
            )
