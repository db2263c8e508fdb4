"""What people do with an alert card: acknowledge it, dismiss it as noise, or declare an incident from it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import Problem, UserError
from bot.incidents.timeline import EventKind, record
from bot.models import Alert, AlertGroup, AlertGroupStatus, Incident
from bot.runtime.outbox import OutboxKind, enqueue, group_subject

__all__ = ["acknowledge_group", "check_active", "declared_from_group", "dismiss_group", "get_group"]

ACTIVE = (AlertGroupStatus.OPEN, AlertGroupStatus.ACKNOWLEDGED)


async def get_group(session: AsyncSession, group_id: int) -> AlertGroup:
    group = await session.get(AlertGroup, group_id) if 0 < group_id < 2**63 else None
    if group is None:
        raise UserError(Problem.ALERT_GONE)
    return group


def check_active(group: AlertGroup) -> None:
    if group.status not in ACTIVE:
        raise UserError(Problem.ALERT_ALREADY, status=group.status, incident=group.incident_id)


async def _changed(session: AsyncSession, group: AlertGroup, now: datetime) -> None:
    session.add(group)
    await enqueue(session, kind=OutboxKind.ALERT_CARD, now=now, subject=group_subject(group.id or 0), group_id=group.id)


async def acknowledge_group(session: AsyncSession, *, group: AlertGroup, user: str, now: datetime) -> None:
    check_active(group)
    if group.status == AlertGroupStatus.ACKNOWLEDGED:
        raise UserError(Problem.ALERT_ACKNOWLEDGED, person=group.acted_by)
    group.status, group.acted_by, group.acted_at = AlertGroupStatus.ACKNOWLEDGED, user, now
    await _changed(session, group, now)


async def dismiss_group(session: AsyncSession, *, group: AlertGroup, user: str, reason: str, now: datetime) -> None:
    check_active(group)
    reason = reason.strip()
    if not reason:
        raise UserError(Problem.DISMISS_NEEDS_REASON)
    group.status, group.acted_by, group.acted_at, group.reason = AlertGroupStatus.DISMISSED, user, now, reason[:1000]
    await _changed(session, group, now)


async def declared_from_group(session: AsyncSession, *, group: AlertGroup, incident: Incident, now: datetime) -> None:
    """The incident declared from this card takes its alerts onto its timeline and its triage."""
    check_active(group)
    assert incident.id is not None
    group.status, group.incident_id, group.acted_by, group.acted_at = (
        AlertGroupStatus.DECLARED,
        incident.id,
        incident.declared_by,
        now,
    )
    incident.triage = group.triage
    session.add(incident)
    for alert in (await session.exec(select(Alert).where(Alert.group_id == group.id))).all():
        alert.incident_id = incident.id
        session.add(alert)
        await record(
            session,
            incident_id=incident.id,
            actor=f"alert:{alert.source}",
            kind=EventKind.ALERT,
            at=now,
            alert_id=alert.id,
            fingerprint=alert.fingerprint,
            name=alert.details.get("name"),
            status=alert.status,
            metric=alert.metric,
            value=alert.value,
            slice=alert.details.get("slice_value"),
        )
    await _changed(session, group, now)
