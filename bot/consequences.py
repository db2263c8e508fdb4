"""What each change to an incident sets off, in one list (`install` registers it at start, before any request):

- declared: the deploy freeze (a `freeze_deploys` severity holds the model), the notify table (pages, notify
  channels, mail, tickets), memory (the most alike past incidents, recalled after the ack);
- severity changed: the deploy freeze, the notify table;
- acknowledged: the notify table (the pages are acknowledged too);
- a status update: the notify table (mail and tickets hear it);
- resolved: the deploy freeze (what it held is let go), the notify table (pages resolved), the drill's scorecard,
  memory (remembered; a recurrence said);
- an action item: its ticket (with Jira set up).

Each follower runs in the transaction of the change, so the change and what it sets off are kept together or not
at all; each asks `bot.world` before it reaches anything real (a drill freezes, pages and remembers nothing).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import world
from bot.deploys.freeze import follow_incident as freeze_follows
from bot.drills.library import library
from bot.drills.scorecard import score_drill
from bot.incidents import timeline
from bot.incidents.followers import Change, register
from bot.incidents.records import SYSTEM_ACTOR
from bot.incidents.timeline import EventKind
from bot.notify import follow_incident as notify_follows
from bot.notify import ticket_action_item
from bot.runtime.outbox import OutboxKind, enqueue

__all__ = ["install"]

K = EventKind


async def _freeze(session: AsyncSession, change: Change) -> None:
    assert change.config is not None
    await freeze_follows(session, config=change.config, incident=change.incident, now=change.now)


async def _notify(session: AsyncSession, change: Change) -> None:
    await notify_follows(
        session,
        config=change.config,
        incident=change.incident,
        now=change.now,
        what=change.what,
        event_id=change.event_id,
    )


async def _ticket(session: AsyncSession, change: Change) -> None:
    if change.config is not None and change.event_id is not None:
        await ticket_action_item(
            session, config=change.config, incident=change.incident, event_id=change.event_id, now=change.now
        )


async def _scorecard(session: AsyncSession, change: Change) -> None:
    """A drill's resolution is followed by its scorecard, kept on the drill."""
    incident = change.incident
    if world.real(incident) or change.config is None or incident.id is None:
        return
    scenario = library(change.config.drills_dir).get(incident.drill or "")
    card = await score_drill(session, incident=incident, scenario=scenario, now=change.now)
    if card is not None:
        await timeline.record_and_post(
            session, incident_id=incident.id, actor=SYSTEM_ACTOR, kind=K.SCORECARD, at=change.now, **card
        )


async def _memory(session: AsyncSession, change: Change) -> None:
    """After the ack, through the outbox: the past incidents most like this one (declared), or what it learnt and
    whether it recurs (resolved). A drill is no past incident."""
    incident = change.incident
    if world.real(incident) and incident.id is not None:
        kind = OutboxKind.RECALL if change.what == K.DECLARED else OutboxKind.REMEMBER
        await enqueue(session, kind=kind, incident_id=incident.id, subject=f"memory:{incident.id}", now=change.now)


def install() -> None:
    """Register the followers (idempotent: the server, the demo and the tests all call it)."""
    register("deploy freeze", _freeze, on=(K.DECLARED, K.SEVERITY_CHANGED, K.RESOLVED))
    register("notify table", _notify, on=(K.DECLARED, K.SEVERITY_CHANGED, K.ACKNOWLEDGED, K.STATUS_UPDATE, K.RESOLVED))
    register("ticket", _ticket, on=(K.ACTION_ITEM,))
    register("drill scorecard", _scorecard, on=(K.RESOLVED,))
    register("memory", _memory, on=(K.DECLARED, K.RESOLVED))
