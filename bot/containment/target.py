"""Which incident a containment acts on, and whether the person asking may: one decision for every path
(`/incident rollback|fallback|canary|review`, the alert card's *Roll back*, the incident card's buttons).

The order: the incident whose channel this is; else the model's open incident; else the open incident the alert
card became; else one declared now from the model's open alert group (the group is marked declared). A stale
button — its incident resolved, its group resolved or dismissed — never spawns an incident: the person is told what
happened instead. Who may act is decided before anything is declared, so a refused person opens nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import incidents, mrkdwn, world
from bot.access import Directory, Verdict, may_contain
from bot.alerts import groups
from bot.config import Config
from bot.containment.actions import ActionKind, ActionStatus, model_config, open_incident_for
from bot.containment.confirm import request
from bot.containment.offers import in_place, move_of
from bot.errors import Problem, UserError
from bot.models import Action, AlertGroup, AlertGroupStatus, Incident, IncidentStatus
from bot.runtime.outbox import OutboxKind, enqueue

__all__ = [
    "Asked",
    "ask",
    "containment_done",
    "what_happened",
]


@dataclass(frozen=True, kw_only=True)
class Asked:
    action: Action
    incident: Incident | None
    declared: bool
    verdict: Verdict


async def what_happened(session: AsyncSession, incident: Incident) -> dict[str, Any]:
    """How an incident ended, as data a template says (`_containment.md.j2`'s `over`): when it was resolved, and
    each containment action that succeeded."""
    return {
        "incident": incident.id,
        "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
        "done": await containment_done(session, incident),
    }


async def containment_done(session: AsyncSession, incident: Incident) -> list[dict[str, Any]]:
    """Each containment action that succeeded on the incident, who confirmed it and when, in order (as data: the
    templates say it, see `_containment.md.j2`'s `move`)."""
    done = await session.exec(
        select(Action)
        .where(Action.incident_id == incident.id, Action.status == ActionStatus.SUCCEEDED)
        .order_by(col(Action.id))
    )
    return [_move(action) for action in done.all()]


def _move(action: Action) -> dict[str, Any]:
    return {
        "kind": action.kind,
        "model": action.model,
        "before": action.version_before,
        "after": action.version_after,
        "summary": action.params.get("summary") or "",
        "plan": action.params.get("plan"),
        "by": action.confirmed_by,
        "at": action.finished_at.isoformat() if action.finished_at else None,
    }


async def _check_not_stale(session: AsyncSession, group: AlertGroup) -> None:
    """Refuses, saying why, a card's button that no longer leads anywhere."""
    if group.incident_id is not None:
        incident = await session.get(Incident, group.incident_id)
        if incident is not None and incident.status == IncidentStatus.RESOLVED:
            raise UserError(Problem.ALERT_BECAME_OVER, over=await what_happened(session, incident))
        return
    if group.status == AlertGroupStatus.DISMISSED:
        raise UserError(Problem.ALERT_DISMISSED, person=group.acted_by, reason=group.reason)
    if group.status == AlertGroupStatus.RESOLVED:
        raise UserError(Problem.ALERT_RESOLVED)


async def _open_group(session: AsyncSession, model: str) -> AlertGroup | None:
    found = await session.exec(
        select(AlertGroup)
        .where(AlertGroup.model == model, col(AlertGroup.status).in_(groups.ACTIVE))
        .order_by(col(AlertGroup.id).desc())
    )
    return found.first()


async def _target(
    session: AsyncSession, *, model: str, channel: str, group: AlertGroup | None
) -> tuple[Incident | None, AlertGroup | None]:
    here = await incidents.by_channel(session, channel)
    if here is not None:
        if here.status == IncidentStatus.RESOLVED:
            raise UserError(Problem.INCIDENT_OVER, over=await what_happened(session, here))
        return here, None
    if group is not None:
        await _check_not_stale(session, group)
        if group.incident_id is not None:  # the card's own incident, not whichever of the model's is newest
            became = await session.get(Incident, group.incident_id)
            if became is not None and became.status != IncidentStatus.RESOLVED:
                return became, None
    found = await open_incident_for(session, model)
    if found is not None:
        return found, None
    if group is not None and group.incident_id is not None:
        became = await session.get(Incident, group.incident_id)
        if became is not None:
            return became, None
    group = group or await _open_group(session, model)
    if group is None:
        raise UserError(Problem.NOTHING_TO_ACT_ON, model=model)
    return None, group


async def ask(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    now: datetime,
    model: str,
    kind: ActionKind,
    user: str,
    channel: str,
    params: dict[str, Any],
    group_id: int | None = None,
    from_card: bool = False,
) -> Asked:
    """Decide the incident, check who asks, declare if need be (only for someone entitled), store the request.
    `from_card`: a card's button (alert or incident card), which never repeats containment already in place — the
    card stops offering it, and a click on a copy that has not caught up is answered the same way.

    A refusal is stored (on the incident's timeline when there is one) and returned; the caller tells the person."""
    model = (await world.of_channel(session, channel, drills_dir=config.drills_dir)).model(model)
    model_config(config, model)
    group = await groups.get_group(session, group_id) if group_id is not None else None
    incident, from_group = await _target(session, model=model, channel=channel, group=group)
    if from_card and incident is not None and move_of(kind, params) in await in_place(session, incident):
        done = await containment_done(session, incident)
        raise UserError(Problem.ALREADY_DONE, incident=incident.id, done=done, kind=str(kind), model=model)
    verdict = await may_contain(session, config=config, directory=directory, model=model, incident=incident, user=user)
    declared = False
    if verdict.allowed and incident is None:
        assert from_group is not None
        incident = await incidents.declare(
            session,
            config=config,
            now=now,
            severity=from_group.severity,
            title=mrkdwn.escape(from_group.title),  # the alert's plain words become an incident's Slack text
            model=model,
            declared_by=user,
            triage=from_group.triage,
        )
        await groups.declared_from_group(session, group=from_group, incident=incident, now=now)
        declared = True
    elif verdict.allowed and incident is not None and incident.id is not None and channel == incident.channel_id:
        # someone acting from the incident's channel is part of it: in the channel before their plan is shown there
        await enqueue(session, kind=OutboxKind.INVITE, incident_id=incident.id, now=now, users=[user])
    action = await request(
        session,
        config=config,
        now=now,
        incident=incident,
        model=model,
        kind=kind,
        user=user,
        channel=channel,
        params=params,
        allowed=verdict.allowed,
    )
    return Asked(action=action, incident=incident, declared=declared, verdict=verdict)
