"""The catch-up for whoever joins an incident late (`/incident catchup`, and offered privately to someone who joins
its channel after the declaration): from the records, what a person needs in under 15 lines — severity and why,
impact and scope, who holds which role, containment done and its verification, hypotheses open and settled, the
last update and when the next is due, action items, and the incident most like it. Rendered by `catchup.md.j2`.

Each person is offered it once per incident: `catchup_offers` holds who was, whichever replica saw them join."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.incidents import IncidentSnapshot, snapshot, timeline
from bot.incidents.hypotheses import Hypothesis, from_events
from bot.incidents.timeline import EventKind
from bot.insights.stats import contained
from bot.memory.recall import open_action_items
from bot.models import Action, CatchupOffer, Incident, IncidentMemory, TimelineEvent
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind, enqueue

__all__ = ["LATE", "Catchup", "catchup", "offer"]

LATE = timedelta(minutes=2)
CATCHUP_KINDS = (
    EventKind.VERIFICATION,
    EventKind.HYPOTHESIS,
    EventKind.HYPOTHESIS_SETTLED,
    EventKind.STATUS_UPDATE,
    EventKind.ACTION_ITEM,
    EventKind.ACTION_ITEM_DONE,
)  # joining this long after the declaration is joining late (the set-up's invites are not)


@dataclass(frozen=True)
class Catchup:
    snap: IncidentSnapshot
    contained: list[Action]
    verification: TimelineEvent | None
    hypotheses: list[Hypothesis]
    update: TimelineEvent | None
    items: list[dict[str, Any]]
    similar: list[dict[str, Any]] = field(default_factory=list)


async def catchup(session: AsyncSession, incident: Incident) -> Catchup:
    assert incident.id is not None
    events = list(await timeline.events(session, incident_id=incident.id, kinds=CATCHUP_KINDS))
    done = (await contained(session, [incident.id])).get(incident.id, [])
    memory = await session.get(IncidentMemory, incident.id)
    return Catchup(
        snap=await snapshot(session, incident),
        contained=done,
        verification=next((e for e in reversed(events) if e.kind == EventKind.VERIFICATION), None),
        hypotheses=from_events(events),
        update=next((e for e in reversed(events) if e.kind == EventKind.STATUS_UPDATE), None),
        items=open_action_items(events),
        similar=list(memory.similar) if memory is not None else [],
    )


async def offer(db: Database, *, incident: Incident, user: str, now: datetime) -> bool:
    """Someone joined the incident's channel: queue their catch-up if they came late and were never offered one."""
    if incident.id is None or now - incident.declared_at < LATE:
        return False
    try:
        async with db.session_scope() as session:
            await session.exec(sa.insert(CatchupOffer).values(incident_id=incident.id, user_id=user, offered_at=now))
            await enqueue(
                session,
                kind=OutboxKind.CATCHUP,
                incident_id=incident.id,
                subject=f"catchup:{incident.id}",
                now=now,
                user=user,
            )
    except IntegrityError:  # offered before (the same event twice, or they left and came back)
        return False
    return True
