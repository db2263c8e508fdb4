"""The incident lifecycle: declare, update, note, action items, status, severity, resolve (roles are `roles`).

Each function takes `*, session` and only flushes: the caller's transaction holds the change, its timeline
event and the Slack work it implies (the outbox), so either all of it happens or none of it does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import Directory, check_undo
from bot.config import SEVERITIES, Config
from bot.errors import Problem, UserError
from bot.incidents import timeline
from bot.incidents.followers import Change, follow
from bot.incidents.records import (
    MAX_TEXT,
    MAX_TITLE,
    SYSTEM_ACTOR,
    announce,
    check_open,
    check_text,
    refresh_alert_cards,
    tell_channel,
)
from bot.incidents.records import incident_id as _id
from bot.incidents.roles import set_role
from bot.incidents.timeline import EventKind, record, record_and_post
from bot.models import Incident, IncidentStatus, Role, TimelineEvent
from bot.recovery import any_not_recovered
from bot.runtime.outbox import OutboxKind, enqueue

__all__ = [
    "add_action_item",
    "add_note",
    "cadence_every",
    "change_severity",
    "change_status",
    "declare",
    "not_recovered",
    "open_for",
    "post_update",
    "resolve",
    "unrecovered",
]

SETTABLE_STATUSES = (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING)


def _next_update(config: Config, severity: str, now: datetime, speed: float | None) -> datetime | None:
    every = cadence_every(config, severity, speed)
    return now + every if every else None


def cadence_every(config: Config, severity: str, speed: float | None) -> timedelta | None:
    """How often updates are due: the severity's cadence, on a drill's faster clock for a drill."""
    every = config.policy(severity).update_every
    return every / speed if every and speed else every


async def declare(
    session: AsyncSession,
    *,
    config: Config,
    now: datetime,
    severity: str,
    title: str,
    declared_by: str,
    model: str | None = None,
    description: str = "",
    impact: str = "",
    auto: bool = False,
    triage: dict[str, Any] | None = None,
    drill: str | None = None,
    drill_speed: float | None = None,
    invite: Sequence[str] = (),
) -> Incident:
    """Open an incident: its roles, its first timeline events and the Slack work to announce it. `drill` names the
    scenario of a drill, which touches nothing real (`bot.drills.guard`), played `drill_speed` times faster than
    real time; `invite` are more people for its channel (a drill's)."""
    severity = severity.upper()
    if severity not in SEVERITIES:
        raise UserError(Problem.UNKNOWN_SEVERITY, severity=severity)
    model_config = config.model(model)
    if model is not None and model_config is None:
        raise UserError(Problem.UNKNOWN_MODEL, model=model, known=sorted(config.models))
    title = check_text(title, "title", MAX_TITLE)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    same_day = await session.exec(
        select(sa.func.count()).select_from(Incident).where(col(Incident.declared_at) >= day_start)
    )
    incident = Incident(
        severity=severity,
        title=title,
        description=description.strip()[:MAX_TEXT],
        impact=impact.strip()[:1000],
        model=model,
        declared_by=declared_by,
        auto_declared=auto,
        triage=triage or {},
        drill=drill,
        drill_speed=drill_speed if drill else None,
        declared_at=now,
        next_update_at=_next_update(config, severity, now, drill_speed if drill else None),
        channel_seq=same_day.one() + 1,
        # A person declaring owns it at once; an automatic declaration waits for someone to acknowledge.
        acknowledged_at=None if auto else now,
        acknowledged_by=None if auto else declared_by,
    )
    session.add(incident)
    await session.flush()
    incident_id = _id(incident)
    timeline.add(  # written with the roles and the outbox row below, in one flush
        session,
        incident_id=incident_id,
        actor=declared_by,
        kind=EventKind.DECLARED,
        at=now,
        severity=severity,
        title=title,
        model=model,
        auto=auto,
    )
    members: list[str] = [] if auto else [declared_by]
    if not auto:
        await set_role(
            session,
            incident_id=incident_id,
            role=Role.COMMANDER,
            users=[declared_by],
            actor=SYSTEM_ACTOR,
            now=now,
            new=True,
        )
    if model_config is not None:
        if model_config.oncall:
            await set_role(
                session,
                incident_id=incident_id,
                role=Role.OPS,
                users=model_config.oncall[:1],
                actor=SYSTEM_ACTOR,
                now=now,
                new=True,
            )
        if model_config.owners:
            await set_role(
                session,
                incident_id=incident_id,
                role=Role.ML_OWNER,
                users=list(model_config.owners),
                actor=SYSTEM_ACTOR,
                now=now,
                new=True,
            )
        members += [*model_config.owners, *model_config.oncall]
    invite = list(dict.fromkeys([*members, *invite]))
    # One row opens the channel; once it exists, the invitations, the card (then its pin), the topic, the
    # bookmarks and the announcement go to Slack together, each step remembered so a retry repeats none.
    await enqueue(session, kind=OutboxKind.OPEN_CHANNEL, incident_id=incident_id, now=now, invite=invite)
    await follow(session, Change(what=EventKind.DECLARED, incident=incident, now=now, config=config))
    return incident


async def post_update(
    session: AsyncSession,
    *,
    config: Config,
    now: datetime,
    incident: Incident,
    user: str,
    text: str,
    impact: str | None = None,
    scope: str | None = None,
    mitigation: str | None = None,
    contained: list[dict[str, Any]] | None = None,
) -> None:
    """A status update in the communication template; the next one falls due per the severity's cadence.
    `contained`: the containment that succeeded so far (`bot.containment.target.containment_done`), which the update
    says as its mitigation when nobody has written one, so a typed update and the form's say the same."""
    check_open(incident)
    text = check_text(text, "update")
    for name, value in (("impact", impact), ("scope", scope), ("mitigation", mitigation)):
        if value is not None:
            setattr(incident, name, value.strip()[:1000])
    incident.next_update_at = _next_update(config, incident.severity, now, incident.drill_speed)
    session.add(incident)
    event = await record(
        session,
        incident_id=_id(incident),
        actor=user,
        kind=EventKind.STATUS_UPDATE,
        at=now,
        text=text,
        severity=incident.severity,
        status=incident.status,
        impact=incident.impact,
        scope=incident.scope,
        mitigation=incident.mitigation,
        contained=contained or [],
        next_update_at=incident.next_update_at.isoformat() if incident.next_update_at else None,
    )
    await tell_channel(session, incident_id=_id(incident), now=now, event_id=event.id)
    updated = Change(what=EventKind.STATUS_UPDATE, incident=incident, now=now, config=config, event_id=event.id)
    await follow(session, updated)


async def add_note(
    session: AsyncSession,
    *,
    now: datetime,
    incident: Incident,
    user: str,
    text: str,
    rca: bool = False,
    **origin: Any,
) -> None:
    """A note on the timeline; `origin` says where it came from (`from_message` for the message shortcut)."""
    text = check_text(text, "note")
    await record_and_post(
        session, incident_id=_id(incident), actor=user, kind=EventKind.NOTE, at=now, text=text, rca=rca, **origin
    )


async def add_action_item(
    session: AsyncSession,
    *,
    now: datetime,
    incident: Incident,
    user: str,
    text: str,
    owner: str | None,
    config: Config | None = None,
) -> None:
    """A follow-up for the postmortem's action items, with its owner if one is named; with Jira set up, a ticket."""
    text = check_text(text, "action item", limit=1000)
    event = await record_and_post(
        session, incident_id=_id(incident), actor=user, kind=EventKind.ACTION_ITEM, at=now, text=text, owner=owner
    )
    await follow(
        session, Change(what=EventKind.ACTION_ITEM, incident=incident, now=now, config=config, event_id=event.id)
    )


async def close_action_item(
    session: AsyncSession, *, now: datetime, incident: Incident, user: str, number: int
) -> None:
    """Action item `number` (in the order recorded) is done: open or resolved, the incident remembers it, and a
    later incident of the same cause no longer finds it open."""
    kinds = (EventKind.ACTION_ITEM, EventKind.ACTION_ITEM_DONE)
    events = list(await timeline.events(session, incident_id=_id(incident), kinds=kinds))
    items = [e for e in events if e.kind == EventKind.ACTION_ITEM]
    if not 1 <= number <= len(items):
        raise UserError(Problem.NO_SUCH_ACTION_ITEM, number=number, count=len(items), incident=incident.id)
    if any(e.kind == EventKind.ACTION_ITEM_DONE and e.data.get("number") == number for e in events):
        raise UserError(Problem.ACTION_ITEM_DONE_ALREADY, number=number, incident=incident.id)
    await record_and_post(
        session,
        incident_id=_id(incident),
        actor=user,
        kind=EventKind.ACTION_ITEM_DONE,
        at=now,
        number=number,
        text=str(items[number - 1].data.get("text") or ""),
    )


async def change_status(session: AsyncSession, *, now: datetime, incident: Incident, user: str, status: str) -> None:
    check_open(incident)
    if status == IncidentStatus.RESOLVED:
        raise UserError(Problem.RESOLVE_WITH_COMMAND)
    if status not in {s.value for s in SETTABLE_STATUSES}:
        raise UserError(Problem.UNKNOWN_STATUS, status=status, choices=[s.value for s in SETTABLE_STATUSES])
    if incident.status == status:
        raise UserError(Problem.ALREADY_STATUS, incident=incident.id, status=status)
    before, incident.status = incident.status, status
    session.add(incident)
    event = await record(
        session,
        incident_id=_id(incident),
        actor=user,
        kind=EventKind.STATUS_CHANGED,
        at=now,
        before=before,
        after=status,
    )
    await tell_channel(session, incident_id=_id(incident), now=now, event_id=event.id)


async def change_severity(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    now: datetime,
    incident: Incident,
    user: str,
    severity: str,
    why: str = "",
) -> None:
    """A new severity re-plans the update cadence from now; the change is announced with its reason."""
    check_open(incident)
    severity = severity.upper()
    if severity not in SEVERITIES:
        raise UserError(Problem.UNKNOWN_SEVERITY, severity=severity)
    if incident.severity == severity:
        raise UserError(Problem.ALREADY_SEVERITY, incident=incident.id, severity=severity)
    if SEVERITIES.index(severity) > SEVERITIES.index(incident.severity):  # lowering it undoes the alarm
        await check_undo(
            session, config=config, directory=directory, incident=incident, user=user, step="lower_severity"
        )
    before, incident.severity = incident.severity, severity
    incident.next_update_at = _next_update(config, severity, now, incident.drill_speed)
    session.add(incident)
    event = await record(
        session,
        incident_id=_id(incident),
        actor=user,
        kind=EventKind.SEVERITY_CHANGED,
        at=now,
        before=before,
        after=severity,
        why=check_text(why, "reason", limit=500) if why.strip() else "",
        next_update_at=incident.next_update_at.isoformat() if incident.next_update_at else None,
    )
    await tell_channel(session, incident_id=_id(incident), now=now, event_id=event.id)
    await announce(session, incident_id=_id(incident), now=now, kind=EventKind.SEVERITY_CHANGED)
    changed = Change(what=EventKind.SEVERITY_CHANGED, incident=incident, now=now, config=config, event_id=event.id)
    await follow(session, changed)


async def resolve(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    now: datetime,
    incident: Incident,
    user: str,
    summary: str,
    despite: bool = False,
) -> timedelta:
    """Close the incident: no more cadence; the resolution goes to the channel and the announcements. Only for the
    incident's people and whoever may contain (the access rule). When the last verification said not recovered, only
    `despite` it (the person said yes)."""
    check_open(incident)
    summary = check_text(summary, "summary")
    await check_undo(session, config=config, directory=directory, incident=incident, user=user, step="resolve")
    if not despite:
        verification = await not_recovered(session, incident)
        if verification is not None:
            raise unrecovered(incident, verification)
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = now
    incident.resolved_by = user
    incident.summary = summary
    incident.next_update_at = None
    session.add(incident)
    duration = now - incident.declared_at
    event = await record(
        session,
        incident_id=_id(incident),
        actor=user,
        kind=EventKind.RESOLVED,
        at=now,
        summary=summary,
        duration_s=int(duration.total_seconds()),
    )
    await tell_channel(session, incident_id=_id(incident), now=now, event_id=event.id)
    await announce(session, incident_id=_id(incident), now=now, kind=EventKind.RESOLVED)
    await refresh_alert_cards(session, incident_id=_id(incident), now=now)
    await follow(session, Change(what=EventKind.RESOLVED, incident=incident, now=now, config=config, event_id=event.id))
    return duration


async def not_recovered(session: AsyncSession, incident: Incident) -> TimelineEvent | None:
    """The incident's last verification, when it found an SLO not recovered."""
    last = (
        await session.exec(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id, TimelineEvent.kind == EventKind.VERIFICATION)
            .order_by(col(TimelineEvent.at).desc(), col(TimelineEvent.id).desc())
        )
    ).first()
    return last if last is not None and any_not_recovered(last.data.get("verdicts")) else None


async def open_for(session: AsyncSession, model: str) -> Incident | None:
    """The model's open incident (the latest, should there be several)."""
    found = await session.exec(
        select(Incident)
        .where(Incident.model == model, Incident.status != IncidentStatus.RESOLVED)
        .order_by(col(Incident.id).desc())
    )
    return found.first()


def unrecovered(incident: Incident, verification: TimelineEvent) -> UserError:
    """What resolving after a verification that said not recovered is answered (a question: resolve anyway?)."""
    return UserError(
        Problem.NOT_RECOVERED, incident=incident.id, at=verification.at, verdicts=verification.data["verdicts"]
    )
