"""Freezing a model's deploys, and thawing them: the rows of `deploy_freezes`, each on its incident's timeline.

A freeze is current until it ends. An incident of a `freeze_deploys` severity freezes its model by itself (once:
someone who unfreezes it is not overruled by the next severity change); it ends when the incident resolves. A person
freezes or unfreezes by hand with a reason, under the containment rule (`bot.access.may_contain`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import world
from bot.access import SYSTEM_ACTOR, Directory, may_contain
from bot.config import Config
from bot.containment.actions import Refused
from bot.errors import Problem, UserError
from bot.incidents import timeline
from bot.incidents.lifecycle import open_for
from bot.incidents.timeline import EventKind
from bot.models import DeployFreeze, Incident, IncidentStatus
from bot.runtime.outbox import OutboxKind, enqueue

__all__ = ["Hold", "announce_freeze", "follow_incident", "freeze", "holds", "record_refusal", "unfreeze"]


@dataclass(frozen=True)
class Hold:
    """One reason a model's deploys are held, as the gate says it."""

    incident: int | None
    why: str
    since: datetime
    by: str
    automatic: bool

    def as_json(self) -> dict[str, object]:
        return {
            "incident": f"INC-{self.incident}" if self.incident else None,
            "why": self.why,
            "since": self.since.isoformat(),
            "by": self.by,
            "automatic": self.automatic,
        }


async def _current(session: AsyncSession, model: str) -> list[DeployFreeze]:
    found = await session.exec(
        select(DeployFreeze)
        .where(DeployFreeze.model == model, col(DeployFreeze.ended_at).is_(None))
        .order_by(col(DeployFreeze.id))
    )
    return list(found.all())


async def holds(session: AsyncSession, model: str) -> list[Hold]:
    """Why `model`'s deploys are held now; none: deploys may go."""
    return [
        Hold(incident=f.incident_id, why=f.reason, since=f.since, by=f.frozen_by, automatic=f.automatic)
        for f in await _current(session, model)
    ]


async def _tell(
    session: AsyncSession, incident_id: int | None, *, actor: str, kind: EventKind, at: datetime, **data: object
) -> None:
    """On the incident's timeline and in its channel; its card and topic say it."""
    if incident_id is None:
        return
    await timeline.record_and_post(session, incident_id=incident_id, actor=actor, kind=kind, at=at, **data)
    await enqueue(session, kind=OutboxKind.REFRESH, incident_id=incident_id, now=at)


async def follow_incident(session: AsyncSession, *, config: Config, incident: Incident, now: datetime) -> None:
    """After a declaration, a severity change or a resolution: an open incident of a `freeze_deploys` severity holds
    its model (once), and a resolved one lets go of what it held."""
    if incident.model is None or incident.id is None or not world.real(incident):  # a drill freezes nothing real
        return
    if incident.status == IncidentStatus.RESOLVED:
        for held in (
            await session.exec(
                select(DeployFreeze).where(
                    DeployFreeze.incident_id == incident.id, col(DeployFreeze.ended_at).is_(None)
                )
            )
        ).all():
            held.ended_at, held.ended_by = now, SYSTEM_ACTOR
            session.add(held)
            await _tell(
                session,
                incident.id,
                actor=SYSTEM_ACTOR,
                kind=EventKind.UNFROZEN,
                at=now,
                model=held.model,
                why="resolved",
            )
        return
    if incident.severity not in config.freeze_deploys:
        return
    await announce_freeze(
        session, model=incident.model, incident=incident, why=f"{incident.severity} incident open", now=now
    )


async def announce_freeze(session: AsyncSession, *, model: str, incident: Incident, why: str, now: datetime) -> None:
    """sevbot holds `model`'s deploys for `incident` (its severity, a breached guardrail), once per incident: someone
    who unfroze it since is not overruled."""
    if not world.real(incident):
        return
    before = await session.exec(
        select(DeployFreeze.id).where(DeployFreeze.incident_id == incident.id, col(DeployFreeze.automatic).is_(True))
    )
    if before.first() is not None:
        return
    session.add(
        DeployFreeze(
            model=model, incident_id=incident.id, automatic=True, reason=why, frozen_by=SYSTEM_ACTOR, since=now
        )
    )
    await _tell(
        session, incident.id, actor=SYSTEM_ACTOR, kind=EventKind.FROZEN, at=now, model=model, why=why, automatic=True
    )


async def _entitled(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    model: str,
    incident: Incident | None,
    user: str,
    step: str,
    now: datetime,
) -> None:
    if model not in config.models:
        raise UserError(Problem.UNKNOWN_MODEL, model=model, known=sorted(config.models))
    verdict = await may_contain(session, config=config, directory=directory, model=model, incident=incident, user=user)
    if not verdict.allowed:  # the caller puts it on the timeline (`record_refusal`), this transaction rolls back
        incident_id = incident.id if incident is not None else None
        raise Refused(verdict, step=step, kind=step, model=model, incident_id=incident_id)


async def _incident_for(session: AsyncSession, *, config: Config, model: str, here: Incident | None) -> Incident | None:
    """The incident a freeze typed in `here`'s channel is for: that one for its model, else the model's open one. A
    drill's world reaches no deploy gate, by either of its model's names (`bot.world`)."""
    where = world.of_incident(here, drills_dir=config.drills_dir)
    where.model(model)  # a drill's channel names its own model or nothing
    where.check_reaches("freeze")
    incident = here if here is not None and here.model in (model, None) else await open_for(session, model)
    world.of_incident(incident, drills_dir=config.drills_dir).check_reaches("freeze")
    return incident


async def record_refusal(session: AsyncSession, refusal: Refused, *, user: str, now: datetime) -> None:
    """A refused freeze or unfreeze, on its incident's timeline and in its channel (in a transaction of its own)."""
    if refusal.incident_id is not None:
        await timeline.record_and_post(
            session,
            incident_id=refusal.incident_id,
            actor=user,
            kind=EventKind.REFUSED,
            at=now,
            step=refusal.step,
            model=refusal.model,
        )


async def freeze(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    model: str,
    user: str,
    why: str,
    now: datetime,
    incident: Incident | None = None,
) -> DeployFreeze:
    """Hold `model`'s deploys by hand, for the incident given (the channel's) or the model's open one."""
    incident = await _incident_for(session, config=config, model=model, here=incident)
    await _entitled(
        session, config=config, directory=directory, model=model, incident=incident, user=user, step="freeze", now=now
    )
    held = DeployFreeze(
        model=model,
        incident_id=incident.id if incident is not None else None,
        reason=why,
        frozen_by=user,
        since=now,
    )
    session.add(held)
    await session.flush()
    await _tell(
        session, held.incident_id, actor=user, kind=EventKind.FROZEN, at=now, model=model, why=why, automatic=False
    )
    return held


async def unfreeze(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    model: str,
    user: str,
    now: datetime,
    incident: Incident | None = None,
) -> list[DeployFreeze]:
    """Let `model`'s deploys go: every current freeze ends (an incident's too: the fix may need a deploy)."""
    incident = await _incident_for(session, config=config, model=model, here=incident)
    await _entitled(
        session, config=config, directory=directory, model=model, incident=incident, user=user, step="unfreeze", now=now
    )
    current = await _current(session, model)
    if not current:
        raise UserError(Problem.NOT_FROZEN, model=model)
    for held in current:
        held.ended_at, held.ended_by = now, user
        session.add(held)
    for incident_id in dict.fromkeys(h.incident_id for h in current):
        await _tell(session, incident_id, actor=user, kind=EventKind.UNFROZEN, at=now, model=model, why="unfrozen")
    return current
