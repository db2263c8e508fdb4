"""Reading incidents: the snapshot of one with its current roles, the open ones, the one a channel belongs to, and
the checks every change makes first (still open, text within bounds)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import SYSTEM_ACTOR
from bot.errors import Problem, UserError
from bot.incidents.timeline import EventKind
from bot.models import AlertGroup, DeployFreeze, GuardrailState, Incident, IncidentStatus, Role, RoleAssignment
from bot.runtime.outbox import OutboxKind, enqueue, group_subject

__all__ = [
    "MAX_TEXT",
    "MAX_TITLE",
    "SYSTEM_ACTOR",
    "IncidentSnapshot",
    "announce",
    "by_channel",
    "check_open",
    "check_text",
    "current_roles",
    "incident_id",
    "open_incidents",
    "open_snapshots",
    "refresh_alert_cards",
    "snapshot",
    "tell_channel",
]

MAX_TITLE = 300
MAX_TEXT = 2900  # leaves room in a 3,000-character section for the words around it


@dataclass(frozen=True, kw_only=True)
class IncidentSnapshot:
    incident: Incident
    roles: dict[Role, list[str]]
    frozen: bool = False  # the model's deploys are held (`bot.deploys`): the card and the topic say so
    blind: tuple[GuardrailState, ...] = ()  # guardrail checks without data for their `for`: the card says so

    @property
    def commander(self) -> str | None:
        holders = self.roles.get(Role.COMMANDER) or []
        return holders[0] if holders else None

    @property
    def ref(self) -> str:
        return f"INC-{self.incident.id}"


def incident_id(incident: Incident) -> int:
    assert incident.id is not None, "incident not flushed"
    return incident.id


def check_text(text: str, what: str, limit: int = MAX_TEXT) -> str:
    text = text.strip()
    if not text:
        raise UserError(Problem.TEXT_EMPTY, what=what)
    if len(text) > limit:
        raise UserError(Problem.TEXT_TOO_LONG, what=what, length=len(text), limit=limit)
    return text


def check_open(incident: Incident) -> None:
    if incident.status == IncidentStatus.RESOLVED:
        raise UserError(Problem.ALREADY_RESOLVED, incident=incident.id)


async def current_roles(session: AsyncSession, incident_id: int) -> list[RoleAssignment]:
    result = await session.exec(
        select(RoleAssignment)
        .where(RoleAssignment.incident_id == incident_id, col(RoleAssignment.ended_at).is_(None))
        .order_by(col(RoleAssignment.id))
    )
    return list(result.all())


async def snapshot(session: AsyncSession, incident: Incident) -> IncidentSnapshot:
    roles: dict[Role, list[str]] = {}
    for assignment in await current_roles(session, incident_id(incident)):
        roles.setdefault(Role(assignment.role), []).append(assignment.user_id)
    frozen, blind = False, tuple[GuardrailState, ...]()
    if incident.model:
        held = select(DeployFreeze.id).where(DeployFreeze.model == incident.model, col(DeployFreeze.ended_at).is_(None))
        frozen = (await session.exec(held)).first() is not None
        unseen = select(GuardrailState).where(GuardrailState.model == incident.model, col(GuardrailState.blind))
        blind = tuple((await session.exec(unseen)).all())
    return IncidentSnapshot(incident=incident, roles=roles, frozen=frozen, blind=blind)


async def open_snapshots(session: AsyncSession, *, most: int = 50) -> tuple[list[IncidentSnapshot], int]:
    """The newest open incidents with their roles, and how many are open: three small queries whatever their number
    (only the `most` newest are loaded)."""
    is_open = Incident.status != IncidentStatus.RESOLVED
    total = (await session.exec(select(sa.func.count()).select_from(Incident).where(is_open))).one()
    newest = await session.exec(select(Incident).where(is_open).order_by(col(Incident.id).desc()).limit(most))
    shown = list(reversed(newest.all()))
    roles: dict[int, dict[Role, list[str]]] = {incident_id(i): {} for i in shown}
    if shown:
        current = await session.exec(
            select(RoleAssignment)
            .where(col(RoleAssignment.incident_id).in_(list(roles)), col(RoleAssignment.ended_at).is_(None))
            .order_by(col(RoleAssignment.id))
        )
        for assignment in current.all():
            roles[assignment.incident_id].setdefault(Role(assignment.role), []).append(assignment.user_id)
    return [IncidentSnapshot(incident=i, roles=roles[incident_id(i)]) for i in shown], total


async def by_channel(session: AsyncSession, channel_id: str) -> Incident | None:
    result = await session.exec(select(Incident).where(Incident.channel_id == channel_id))
    return result.first()


async def open_incidents(session: AsyncSession) -> Sequence[Incident]:
    result = await session.exec(
        select(Incident).where(Incident.status != IncidentStatus.RESOLVED).order_by(col(Incident.id))
    )
    return result.all()


async def refresh_alert_cards(session: AsyncSession, *, incident_id: int, now: datetime) -> None:
    """The alert cards this incident came from show its state (resolved, what was done) and only valid buttons."""
    found = await session.exec(select(AlertGroup.id).where(AlertGroup.incident_id == incident_id))
    for group_id in found.all():
        if group_id is not None:
            await enqueue(
                session, kind=OutboxKind.ALERT_CARD, now=now, subject=group_subject(group_id), group_id=group_id
            )


async def announce(session: AsyncSession, *, incident_id: int, now: datetime, kind: EventKind) -> None:
    await enqueue(
        session,
        kind=OutboxKind.POST_EVENT,
        incident_id=incident_id,
        now=now,
        target="announcements",
        message=kind,
    )


async def tell_channel(session: AsyncSession, *, incident_id: int, now: datetime, event_id: int | None) -> None:
    await enqueue(session, kind=OutboxKind.REFRESH, incident_id=incident_id, now=now)
    if event_id is not None:
        await enqueue(
            session,
            kind=OutboxKind.POST_EVENT,
            incident_id=incident_id,
            now=now,
            target="incident",
            event_id=event_id,
        )
