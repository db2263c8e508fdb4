"""The state machine people drive: a request is stored (refused ones too), then a candidate picked, Confirm (one
wins, however often it is clicked) or Cancel — each only by someone the one access rule lets act."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import SYSTEM_ACTOR, Directory, may_cancel, may_contain
from bot.config import Config
from bot.containment.actions import ActionKind, ActionStatus, Refused, model_config, queue
from bot.errors import Problem, UserError
from bot.incidents.timeline import EventKind, record
from bot.models import Action, Incident
from bot.runtime.outbox import OutboxKind, enqueue

__all__ = ["act_for_guardrail", "cancel", "confirm", "may_cancel_action", "pick", "request"]

log = logging.getLogger(__name__)


async def request(
    session: AsyncSession,
    *,
    config: Config,
    now: datetime,
    incident: Incident | None,
    model: str,
    kind: ActionKind,
    user: str,
    channel: str,
    params: dict[str, Any],
    allowed: bool,
) -> Action:
    """Store the request (who may ask is `bot.access`'s to say); a refused one is stored and recorded too, on the
    incident's timeline when there is one, and the caller tells the person."""
    settings = model_config(config, model)
    action = Action(
        incident_id=incident.id if incident else None,
        kind=kind,
        model=model,
        backend=settings.serving.backend,
        status=ActionStatus.PLANNING if allowed else ActionStatus.REFUSED,
        requested_by=user,
        requested_at=now,
        params={**params, "channel": channel},
    )
    session.add(action)
    await session.flush()
    if not allowed:
        await _refused(session, action, incident, user=user, step="request", now=now)
        return action
    await queue(session, action, OutboxKind.PLAN_ACTION, now)
    return action


async def pick(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    action_id: int,
    version: str,
    user: str,
    now: datetime,
) -> Action | Refused:
    """A candidate picked: the usual plan follows (asked of the platform again, then Confirm / Cancel)."""
    action, incident = await _pending(session, action_id)
    verdict = await may_contain(
        session, config=config, directory=directory, model=action.model, incident=incident, user=user
    )
    if not verdict.allowed:
        await _refused(session, action, incident, user=user, step="pick", now=now)
        return Refused(verdict, step="pick", kind=action.kind, model=action.model, incident_id=action.incident_id)
    if version not in (action.params.get("candidates") or []):
        raise UserError(Problem.NOT_OFFERED, version=version)
    won = await session.exec(
        update(Action)
        .where(col(Action.id) == action_id, col(Action.status) == ActionStatus.CHOOSING)
        .values(status=ActionStatus.PLANNING, params={**action.params, "to": version, "picked_by": user})
    )
    await session.refresh(action)
    if won.rowcount != 1:
        raise _already(action)
    await queue(session, action, OutboxKind.PLAN_ACTION, now)
    return action


async def confirm(
    session: AsyncSession, *, config: Config, directory: Directory, action_id: int, user: str, now: datetime
) -> Action | Refused:
    """The one Confirm that counts: pending → running, exactly once, and only by someone entitled. A refusal is
    recorded and returned (not raised, so the caller's transaction keeps the record); the caller tells the person."""
    action, incident = await _pending(session, action_id)
    verdict = await may_contain(
        session, config=config, directory=directory, model=action.model, incident=incident, user=user
    )
    if not verdict.allowed:
        await _refused(session, action, incident, user=user, step="confirm", now=now)
        return Refused(verdict, step="confirm", kind=action.kind, model=action.model, incident_id=action.incident_id)
    warned = action.params.get("known_bad") or action.params.get("incompatible")  # a known-bad or breaking target
    if warned and not action.params.get("bad_confirmed_by"):
        first = await session.exec(  # the first Confirm only acknowledges the warning
            update(Action)
            .where(col(Action.id) == action_id, col(Action.status) == ActionStatus.PENDING)
            .values(params={**action.params, "bad_confirmed_by": user})
        )
        await session.refresh(action)
        if first.rowcount != 1:
            raise _already(action)
        return action
    won = await session.exec(
        update(Action)
        .where(col(Action.id) == action_id, col(Action.status) == ActionStatus.PENDING)
        .values(status=ActionStatus.RUNNING, confirmed_by=user)
    )
    if won.rowcount != 1:
        await session.refresh(action)
        raise _already(action)
    await session.refresh(action)
    await queue(session, action, OutboxKind.RUN_ACTION, now)
    return action


async def act_for_guardrail(session: AsyncSession, *, action_id: int, now: datetime) -> bool:
    """sevbot's own Confirm when a guardrail's countdown runs out: pending → running once, as Confirm does, so a
    Cancel (or an early *do it now*) racing it leaves exactly one winner. False: someone got there first."""
    won = await session.exec(
        update(Action)
        .where(col(Action.id) == action_id, col(Action.status) == ActionStatus.PENDING)
        .values(status=ActionStatus.RUNNING, confirmed_by=SYSTEM_ACTOR)
    )
    if won.rowcount != 1:
        return False
    action = await session.get(Action, action_id)
    assert action is not None
    await session.refresh(action)
    await queue(session, action, OutboxKind.RUN_ACTION, now)
    await enqueue(
        session, kind=OutboxKind.SETTLE_COUNTDOWN, incident_id=action.incident_id, now=now, action_id=action_id
    )
    return True


async def may_cancel_action(
    session: AsyncSession, *, config: Config, directory: Directory, action_id: int, user: str, now: datetime
) -> Refused | None:
    """Whether `user` may cancel the pending action (asked before a form for the reason opens); a refusal is recorded
    and returned, as for `cancel`."""
    action, incident = await _pending(session, action_id)
    verdict = await may_cancel(
        session,
        config=config,
        directory=directory,
        model=action.model,
        incident=incident,
        user=user,
        requested_by=action.requested_by,
    )
    if verdict.allowed:
        return None
    await _refused(session, action, incident, user=user, step="cancel", now=now)
    return Refused(
        verdict,
        step="cancel",
        kind=action.kind,
        requested_by=action.requested_by,
        model=action.model,
        incident_id=action.incident_id,
    )


async def cancel(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    action_id: int,
    user: str,
    now: datetime,
    why: str = "",
) -> Action | Refused:
    """Withdrawn by whoever asked for it, or by someone entitled to act; a refusal as for `confirm`. sevbot's own
    action (a guardrail's countdown) is cancelled with a reason, on the timeline, and its message settled."""
    refused = await may_cancel_action(
        session, config=config, directory=directory, action_id=action_id, user=user, now=now
    )
    if refused is not None:
        return refused
    action, _ = await _pending(session, action_id)
    won = await session.exec(
        update(Action)
        .where(col(Action.id) == action_id, col(Action.status).in_((ActionStatus.PENDING, ActionStatus.CHOOSING)))
        .values(status=ActionStatus.CANCELLED, confirmed_by=user, finished_at=now)
    )
    await session.refresh(action)
    if won.rowcount != 1:
        raise _already(action)
    if action.params.get("guardrail") and action.incident_id is not None:
        await _record(
            session,
            action,
            action.incident_id,
            user=user,
            now=now,
            status=ActionStatus.CANCELLED,
            why=why,
            guardrail=action.params["guardrail"],
        )
        action.params = {**action.params, "cancel_why": why}
        session.add(action)
        await enqueue(
            session, kind=OutboxKind.SETTLE_COUNTDOWN, incident_id=action.incident_id, now=now, action_id=action.id
        )
    return action


async def _pending(session: AsyncSession, action_id: int) -> tuple[Action, Incident | None]:
    action = await session.get(Action, action_id) if 0 < action_id < 2**63 else None
    if action is None:
        raise UserError(Problem.ACTION_GONE)
    if action.status not in (ActionStatus.PENDING, ActionStatus.CHOOSING):
        raise _already(action)
    incident = await session.get(Incident, action.incident_id) if action.incident_id else None
    return action, incident


async def _refused(
    session: AsyncSession, action: Action, incident: Incident | None, *, user: str, step: str, now: datetime
) -> None:
    """A refused request, Confirm, Cancel or pick, on the incident's timeline (logged when there is no incident)."""
    if incident is None or incident.id is None:
        log.info("refused %s of action %s by %s", step, action.id, user)
        return
    await _record(session, action, incident.id, user=user, now=now, status=ActionStatus.REFUSED, step=step, by=user)


async def _record(
    session: AsyncSession, action: Action, incident_id: int, *, user: str, now: datetime, status: str, **data: Any
) -> None:
    """What became of an action at someone's hand (refused, cancelled), on its incident's timeline."""
    await record(
        session,
        incident_id=incident_id,
        actor=user,
        kind=EventKind.ACTION,
        at=now,
        action_id=action.id,
        action=action.kind,
        model=action.model,
        status=status,
        **data,
    )


def _already(action: Action) -> UserError:
    """Someone else's click got there first: who, and what became of the action."""
    return UserError(Problem.ACTION_ALREADY, status=str(action.status), person=action.confirmed_by)
