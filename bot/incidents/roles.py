"""Roles in an incident: who holds them (the declaration's, a person's own, one given by someone else), taking
command — from nobody freely, from a commander only by the incident's people (the access rule) — acknowledging, and
the record of a refused attempt to undo an incident."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import Directory, NotYours, check_undo
from bot.config import Config
from bot.errors import Problem, UserError
from bot.incidents import timeline
from bot.incidents.followers import Change, follow
from bot.incidents.records import check_open, current_roles, snapshot, tell_channel
from bot.incidents.records import incident_id as _id
from bot.incidents.timeline import EventKind, record, record_and_post
from bot.models import Incident, Role, RoleAssignment, TimelineEvent
from bot.runtime.outbox import OutboxKind, enqueue

__all__ = ["acknowledge", "assign_role", "record_refusal", "set_role", "take_command"]


async def set_role(
    session: AsyncSession,
    *,
    incident_id: int,
    role: Role,
    users: list[str],
    actor: str,
    now: datetime,
    new: bool = False,
) -> TimelineEvent:
    """`new`: the incident was opened in this transaction, so it has no role to end, and the event is written with
    the declaration's other rows (one flush for all of them)."""
    for assignment in [] if new else await current_roles(session, incident_id):
        if assignment.role == role:
            assignment.ended_at = now
            session.add(assignment)
    for user in users:
        session.add(
            RoleAssignment(incident_id=incident_id, role=role, user_id=user, assigned_by=actor, assigned_at=now)
        )
    event = timeline.add(
        session, incident_id=incident_id, actor=actor, kind=EventKind.ROLE_ASSIGNED, at=now, role=role, users=users
    )
    if not new:
        await session.flush()  # callers post it: it needs its id
    return event


async def assign_role(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    now: datetime,
    incident: Incident,
    role: Role,
    user: str,
    actor: str,
) -> None:
    """Give a role. Taking command from a commander is undoing them: only for the incident's people (the access
    rule); an empty role, or any other, is open to everyone."""
    check_open(incident)
    incident_id = _id(incident)
    current = await snapshot(session, incident)
    if current.roles.get(role) == [user]:
        raise UserError(Problem.ALREADY_IN_ROLE, person=user, role=role.label, incident=incident_id)
    if role == Role.COMMANDER and current.commander not in (None, user):
        await check_undo(
            session, config=config, directory=directory, incident=incident, user=actor, step="take_command"
        )
    event = await set_role(session, incident_id=incident_id, role=role, users=[user], actor=actor, now=now)
    await enqueue(session, kind=OutboxKind.INVITE, incident_id=incident_id, now=now, users=[user])
    await tell_channel(session, incident_id=incident_id, now=now, event_id=event.id)


async def acknowledge(session: AsyncSession, *, now: datetime, incident: Incident, user: str) -> None:
    """Someone owns it now. With no commander yet (declared automatically), they become commander."""
    check_open(incident)
    incident_id = _id(incident)
    current = await snapshot(session, incident)
    if incident.acknowledged_by == user:
        raise UserError(Problem.ALREADY_ACKNOWLEDGED, incident=incident_id)
    if current.commander is None:
        await set_role(session, incident_id=incident_id, role=Role.COMMANDER, users=[user], actor=user, now=now)
    if incident.acknowledged_at is None:
        incident.acknowledged_at = now
    incident.acknowledged_by = user
    session.add(incident)
    event = await record(
        session,
        incident_id=incident_id,
        actor=user,
        kind=EventKind.ACKNOWLEDGED,
        at=now,
        became_commander=current.commander is None,
    )
    await tell_channel(session, incident_id=incident_id, now=now, event_id=event.id)
    await follow(session, Change(what=EventKind.ACKNOWLEDGED, incident=incident, now=now, config=None))


async def take_command(
    session: AsyncSession, *, config: Config, directory: Directory, now: datetime, incident: Incident, user: str
) -> None:
    """ "I'll be commander": the person becomes commander (if not already; taking it from someone is the access
    rule's to allow) and owns the incident (if nobody does)."""
    current = await snapshot(session, incident)
    if current.commander != user:
        await assign_role(
            session,
            config=config,
            directory=directory,
            now=now,
            incident=incident,
            role=Role.COMMANDER,
            user=user,
            actor=user,
        )
    if incident.acknowledged_at is None:
        await acknowledge(session, now=now, incident=incident, user=user)


async def record_refusal(session: AsyncSession, *, now: datetime, refusal: NotYours) -> None:
    """An attempt to undo an incident by someone not entitled, on its timeline (after the refused change rolled
    back, in a transaction of its own)."""
    await record_and_post(
        session,
        incident_id=refusal.incident_id,
        actor=refusal.user,
        kind=EventKind.REFUSED,
        at=now,
        step=refusal.step,
    )
