"""Containment from Slack: roll back, fall back, set canary traffic, route to human review.

An action goes: *planning* (the request is stored; the platform is asked what is live, after the ack) →
*pending* (the person sees what will happen and Confirm / Cancel) → *running* (one Confirm wins: a conditional
UPDATE, however often it is clicked) → *succeeded* / *failed*, recorded on the timeline with the versions
before and after, then posted. *refused* (not allowed) and *cancelled* end it early. The platform is called
outside any transaction and with a bounded timeout; a failure leaves nothing half-done and can be retried with
a new request. A run interrupted mid-call (the process died) is never repeated blindly: it is reported with
what the platform serves now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import incidents, mrkdwn
from bot.access import Directory, Verdict, may_cancel, may_contain
from bot.clock import Clock
from bot.config import Config, ModelConfig
from bot.containment.ledger import Ledger, Mark, ledger, mark
from bot.errors import UserError
from bot.incidents.timeline import EventKind, record, record_and_post
from bot.models import Action, Incident, IncidentStatus, LiveVersion
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind, enqueue
from bot.serving import Backend, Capability, ServingError, ServingState
from bot.texts import format_duration

__all__ = [
    "ActionKind",
    "ActionStatus",
    "BackendFactory",
    "Candidate",
    "Prepared",
    "Refused",
    "cancel",
    "confirm",
    "execute",
    "open_incident_for",
    "pick",
    "prepare",
    "request",
]

BackendFactory = Callable[[str, ModelConfig], Backend]
log = logging.getLogger(__name__)


class Refused(UserError):
    """Someone not entitled tried to act; the message says who may and how to get access."""

    def __init__(
        self, verdict: Verdict, *, what: str, model: str, incident_id: int | None, requested_by: str | None = None
    ) -> None:
        super().__init__(f"You may not {what}.")
        self.verdict = verdict
        self.what = what
        self.model = model
        self.incident_id = incident_id
        self.requested_by = requested_by


class ActionKind(StrEnum):
    ROLLBACK = "rollback"
    FALLBACK = "fallback"
    CANARY = "canary"
    REVIEW = "review"


VERBS = {
    ActionKind.ROLLBACK: "roll back",
    ActionKind.FALLBACK: "switch to the fallback of",
    ActionKind.CANARY: "change the canary of",
    ActionKind.REVIEW: "change human review of",
}


class ActionStatus(StrEnum):
    PLANNING = "planning"
    CHOOSING = "choosing"  # nobody knows what was live before: the person picks one of the registry's candidates
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUSED = "refused"


CAPABILITY = {
    ActionKind.ROLLBACK: Capability.ROLLBACK,
    ActionKind.FALLBACK: Capability.FALLBACK,
    ActionKind.CANARY: Capability.CANARY,
    ActionKind.REVIEW: Capability.REVIEW,
}


def model_config(config: Config, model: str) -> ModelConfig:
    found = config.model(model)
    if found is None:
        known = ", ".join(f"`{m}`" for m in sorted(config.models)) or "none"
        raise UserError(f"`{model}` is not a model in sevbot.yml (models: {known}).")
    return found


async def open_incident_for(session: AsyncSession, model: str) -> Incident | None:
    found = await session.exec(
        select(Incident)
        .where(Incident.model == model, Incident.status != IncidentStatus.RESOLVED)
        .order_by(col(Incident.id).desc())
    )
    return found.first()


async def _queue(session: AsyncSession, action: Action, kind: OutboxKind, now: datetime) -> None:
    """Planning and running an action are ordered by the action itself, not held behind its incident's messages."""
    await enqueue(
        session, kind=kind, now=now, incident_id=action.incident_id, subject=f"action:{action.id}", action_id=action.id
    )


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
    await _queue(session, action, OutboxKind.PLAN_ACTION, now)
    return action


@dataclass(frozen=True)
class Prepared:
    """What the person is shown before they confirm."""

    action: Action
    summary: str  # e.g. "cv-detector: 2.0.0 (data b4f7a1, created 32 min ago) → 1.8.2"
    error: str | None = None
    candidates: tuple[Candidate, ...] = ()  # when the person must pick the version to go back to
    known_bad: str = ""  # the target's ledger note when it is known bad: a second confirmation is needed


@dataclass(frozen=True)
class Candidate:
    version: str
    description: str  # lineage, age, ledger mark


async def _remember_live(session: AsyncSession, model: str, state: ServingState, now: datetime) -> None:
    if state.live is None:
        return
    found = (
        await session.exec(select(LiveVersion).where(LiveVersion.model == model, LiveVersion.version == state.live))
    ).first()
    if found is None:
        session.add(LiveVersion(model=model, version=state.live, first_seen_at=now, last_seen_at=now))
    else:
        found.last_seen_at = now
        session.add(found)


def _describe_version(state: ServingState, name: str | None, now: datetime, marks: Ledger | None = None) -> str:
    version = state.version(name)
    notes = [version.lineage()] if version is not None and version.lineage() else []
    if version is not None and version.created_at is not None:
        notes.append(f"created {format_duration(now - version.created_at)} ago")
    if marks is not None and marks.note(name):
        notes.append(marks.note(name))
    if version is None and not notes:
        return name or "nothing"
    return f"{name} ({', '.join(notes)})" if notes else str(name)


def candidates(state: ServingState, marks: Ledger, now: datetime, *, most: int = 3) -> tuple[Candidate, ...]:
    """The newest versions below the live one (known-bad ones last), to pick from when nobody knows the previous."""
    ordered = list(state.versions)
    if all(v.created_at is not None for v in ordered):
        ordered.sort(key=lambda v: v.created_at)  # type: ignore[arg-type,return-value]
    names = [v.version for v in ordered]
    below = names[: names.index(state.live)] if state.live in names else [n for n in names if n != state.live]
    below.reverse()
    below.sort(key=marks.is_bad)  # stable: newest first, known bad after the rest
    return tuple(Candidate(name, _describe_version(state, name, now, marks)) for name in below[:most])


async def _previous(session: AsyncSession, model: str, state: ServingState, marks: Ledger) -> str | None:
    """The platform's previous version, else the last one sevbot saw live — never a version known bad."""
    if state.previous and not marks.is_bad(state.previous):
        return state.previous
    seen = await session.exec(
        select(LiveVersion)
        .where(LiveVersion.model == model, LiveVersion.version != (state.live or ""))
        .order_by(col(LiveVersion.last_seen_at).desc())
    )
    return next((row.version for row in seen.all() if not marks.is_bad(row.version)), None)


def _plan(
    kind: ActionKind,
    model: str,
    settings: ModelConfig,
    state: ServingState,
    params: dict[str, Any],
    now: datetime,
    marks: Ledger,
) -> tuple[str, dict[str, Any]]:
    """The sentence shown before confirming, and what `execute` needs. Raises ServingError when it cannot be."""
    before = state.live
    if kind == ActionKind.ROLLBACK:
        to = params.get("to") or state.previous
        if not to:
            raise ServingError(
                f"neither the platform nor sevbot's records say which version of {model} was live before "
                f"{before}: name one with `/incident rollback {model} to <version>`"
            )
        if state.version(to) is None and state.lists_all_versions:
            known = ", ".join(v.version for v in state.versions) or "none"
            raise ServingError(f"{model} has no version {to} (versions: {known})")
        if to == before:
            raise ServingError(f"{to} is already live")
        summary = (
            f"{model}: {_describe_version(state, before, now, marks)} → {_describe_version(state, to, now, marks)}"
        )
        return summary, {"to": to, "known_bad": marks.note(to) if marks.is_bad(to) else ""}
    if kind == ActionKind.FALLBACK:
        on = bool(params.get("on", True))
        target = f"fallback `{settings.fallback}`" if settings.fallback else "its fallback"
        what = f"switch {model} to {target}" if on else f"switch {model} back from {target} to {before}"
        return what, {"on": on}
    if kind == ActionKind.CANARY:
        percent = float(params["percent"])
        was = f"{state.canary_percent:g} %" if state.canary_percent is not None else "unknown"
        verb = "freeze the canary of" if percent == 0 else "set canary traffic of"
        return f"{verb} {model}: {was} → {percent:g} %", {"percent": percent}
    on = bool(params.get("on", True))
    return f"{'route' if on else 'stop routing'} {model}'s low-confidence predictions to human review", {"on": on}


async def prepare(
    db: Database, *, config: Config, clock: Clock, backend_for: BackendFactory, action_id: int
) -> Prepared | None:
    """Ask the platform what is live and work out the plan (or the versions to pick from); None if the action is
    no longer planning."""
    async with db.session_scope() as session:
        action = await session.get(Action, action_id)
        if action is None or action.status != ActionStatus.PLANNING:
            return None
        marks = await ledger(session, action.model)
    settings = model_config(config, action.model)
    backend = backend_for(action.model, settings)
    kind = ActionKind(action.kind)
    try:
        backend.require(CAPABILITY[kind])
        state = await backend.describe()
        async with db.session_scope() as session:
            await _remember_live(session, action.model, state, clock.now())
            if kind == ActionKind.ROLLBACK and not action.params.get("to"):
                state = replace(state, previous=await _previous(session, action.model, state, marks))
        if kind == ActionKind.ROLLBACK and not action.params.get("to") and not state.previous:
            offered = candidates(state, marks, clock.now())
            if offered:
                return await _choose(db, action_id, backend.name, offered)
        summary, plan = _plan(kind, action.model, settings, state, action.params, clock.now(), marks)
    except ServingError as exc:
        async with db.session_scope() as session:
            named = await session.get(Action, action_id)
            assert named is not None
            named.params = {**named.params, "backend_name": backend.name}
            session.add(named)
        await _finish(db, action_id, clock, config, status=ActionStatus.FAILED, error=str(exc), before=None, after=None)
        async with db.session_scope() as session:
            failed = await session.get(Action, action_id)
        assert failed is not None
        return Prepared(action=failed, summary="", error=str(exc))
    async with db.session_scope() as session:
        action = await session.get(Action, action_id)
        assert action is not None
        action.status = ActionStatus.PENDING
        action.version_before = state.live
        action.params = {**action.params, **plan, "summary": summary, "backend_name": backend.name}
        session.add(action)
    return Prepared(action=action, summary=summary, known_bad=str(plan.get("known_bad") or ""))


async def _choose(db: Database, action_id: int, backend_name: str, offered: tuple[Candidate, ...]) -> Prepared:
    async with db.session_scope() as session:
        action = await session.get(Action, action_id)
        assert action is not None
        action.status = ActionStatus.CHOOSING
        action.params = {**action.params, "backend_name": backend_name, "candidates": [c.version for c in offered]}
        session.add(action)
    return Prepared(action=action, summary="", candidates=offered)


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
        return Refused(
            verdict, what="pick the version to roll back", model=action.model, incident_id=action.incident_id
        )
    if version not in (action.params.get("candidates") or []):
        raise UserError(f"{version} was not one of the versions offered.")
    won = await session.exec(
        update(Action)
        .where(col(Action.id) == action_id, col(Action.status) == ActionStatus.CHOOSING)
        .values(status=ActionStatus.PLANNING, params={**action.params, "to": version, "picked_by": user})
    )
    await session.refresh(action)
    if won.rowcount != 1:
        raise UserError(_already(action))
    await _queue(session, action, OutboxKind.PLAN_ACTION, now)
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
        return Refused(
            verdict, what=f"confirm this {action.kind} of", model=action.model, incident_id=action.incident_id
        )
    if action.params.get("known_bad") and not action.params.get("bad_confirmed_by"):
        first = await session.exec(  # the first Confirm only acknowledges the warning
            update(Action)
            .where(col(Action.id) == action_id, col(Action.status) == ActionStatus.PENDING)
            .values(params={**action.params, "bad_confirmed_by": user})
        )
        await session.refresh(action)
        if first.rowcount != 1:
            raise UserError(_already(action))
        return action
    won = await session.exec(
        update(Action)
        .where(col(Action.id) == action_id, col(Action.status) == ActionStatus.PENDING)
        .values(status=ActionStatus.RUNNING, confirmed_by=user)
    )
    if won.rowcount != 1:
        await session.refresh(action)
        raise UserError(_already(action))
    await session.refresh(action)
    await _queue(session, action, OutboxKind.RUN_ACTION, now)
    return action


async def cancel(
    session: AsyncSession, *, config: Config, directory: Directory, action_id: int, user: str, now: datetime
) -> Action | Refused:
    """Withdrawn by whoever asked for it, or by someone entitled to act; a refusal as for `confirm`."""
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
    if not verdict.allowed:
        await _refused(session, action, incident, user=user, step="cancel", now=now)
        return Refused(
            verdict,
            what=f"cancel this {action.kind} of",
            requested_by=action.requested_by,
            model=action.model,
            incident_id=action.incident_id,
        )
    won = await session.exec(
        update(Action)
        .where(col(Action.id) == action_id, col(Action.status).in_((ActionStatus.PENDING, ActionStatus.CHOOSING)))
        .values(status=ActionStatus.CANCELLED, confirmed_by=user, finished_at=now)
    )
    await session.refresh(action)
    if won.rowcount != 1:
        raise UserError(_already(action))
    return action


async def _pending(session: AsyncSession, action_id: int) -> tuple[Action, Incident | None]:
    action = await session.get(Action, action_id) if 0 < action_id < 2**63 else None
    if action is None:
        raise UserError("This action no longer exists.")
    if action.status not in (ActionStatus.PENDING, ActionStatus.CHOOSING):
        raise UserError(_already(action))
    incident = await session.get(Incident, action.incident_id) if action.incident_id else None
    return action, incident


async def _refused(
    session: AsyncSession, action: Action, incident: Incident | None, *, user: str, step: str, now: datetime
) -> None:
    """A refused request, Confirm, Cancel or pick, on the incident's timeline (logged when there is no incident)."""
    if incident is None or incident.id is None:
        log.info("refused %s of action %s by %s", step, action.id, user)
        return
    await record(
        session,
        incident_id=incident.id,
        actor=user,
        kind=EventKind.ACTION,
        at=now,
        action_id=action.id,
        action=action.kind,
        model=action.model,
        status=ActionStatus.REFUSED,
        step=step,
        by=user,
    )


def _already(action: Action) -> str:
    who = f"<@{action.confirmed_by}>" if action.confirmed_by else "someone"
    return {
        ActionStatus.RUNNING: f"{who} already confirmed this; it is running.",
        ActionStatus.SUCCEEDED: f"{who} already confirmed this; it is done.",
        ActionStatus.FAILED: "This action already ran and failed; ask again to retry.",
        ActionStatus.CANCELLED: f"{who} cancelled this.",
    }.get(ActionStatus(action.status), f"This action is {action.status}.")


async def execute(db: Database, *, config: Config, clock: Clock, backend_for: BackendFactory, action_id: int) -> None:
    """Run a confirmed action once, then record and announce the result."""
    async with db.session_scope() as session:
        action = await session.get(Action, action_id)
        if action is None or action.status != ActionStatus.RUNNING:
            return
        interrupted = bool(action.params.get("started_at"))
        action.params = {**action.params, "started_at": clock.now().isoformat()}
        session.add(action)
    backend = backend_for(action.model, model_config(config, action.model))
    params = action.params
    if interrupted:
        try:
            now_live = (await backend.describe()).live
        except ServingError as exc:
            now_live = f"unknown ({exc})"
        await _finish(
            db,
            action_id,
            clock,
            config,
            status=ActionStatus.FAILED,
            error=f"sevbot stopped while this ran; {backend.name} now serves {now_live}. Check, then ask again.",
            before=action.version_before,
            after=None,
        )
        return
    try:
        match ActionKind(action.kind):
            case ActionKind.ROLLBACK:
                state = await backend.rollback(str(params["to"]))
            case ActionKind.FALLBACK:
                state = await backend.fallback(bool(params["on"]))
            case ActionKind.CANARY:
                state = await backend.canary(float(params["percent"]))
            case ActionKind.REVIEW:
                state = await backend.review(bool(params["on"]))
    except ServingError as exc:
        try:  # a timeout does not say the move did not happen: look, so nobody is told a false "nothing changed"
            after = (await backend.describe()).live
        except ServingError:
            after = None
        await _finish(
            db,
            action_id,
            clock,
            config,
            status=ActionStatus.FAILED,
            error=str(exc),
            before=action.version_before,
            after=after,
        )
        return
    async with db.session_scope() as session:
        await _remember_live(session, action.model, state, clock.now())
    await _finish(
        db,
        action_id,
        clock,
        config,
        status=ActionStatus.SUCCEEDED,
        error=None,
        before=action.version_before,
        after=state.live,
        state=state,
    )


async def _finish(
    db: Database,
    action_id: int,
    clock: Clock,
    config: Config,
    *,
    status: ActionStatus,
    error: str | None,
    before: str | None,
    after: str | None,
    state: ServingState | None = None,
) -> None:
    now = clock.now()
    async with db.session_scope() as session:
        action = await session.get(Action, action_id)
        assert action is not None
        action.status, action.error, action.finished_at = status, error, now
        action.version_before, action.version_after = before, after
        if state is not None:
            action.params = {
                **action.params,
                "fallback": state.fallback,
                "canary_percent": state.canary_percent,
                "review": state.review,
            }
        session.add(action)
        data = {
            "action_id": action.id,
            "action": action.kind,
            "model": action.model,
            "backend": action.params.get("backend_name", action.backend),
            "status": status,
            "before": before,
            "after": after,
            "error": error,
            "confirmed_by": action.confirmed_by,
            "params": {k: action.params.get(k) for k in ("to", "on", "percent") if k in action.params},
        }
        assert action.incident_id is not None, "containment always has an incident (declared first if need be)"
        if status == ActionStatus.SUCCEEDED and action.kind == ActionKind.ROLLBACK and before and before != after:
            incident = await session.get(Incident, action.incident_id)
            await mark(
                session,
                model=action.model,
                version=before,
                mark=Mark.BAD,
                now=now,
                incident_id=action.incident_id,
                action_id=action.id,
                reason=mrkdwn.plain(incident.title)[:200] if incident else "",
                by=action.confirmed_by,
            )
        await record_and_post(
            session, incident_id=action.incident_id, actor=action.requested_by, kind=EventKind.ACTION, at=now, **data
        )
        if status == ActionStatus.SUCCEEDED:  # the cards say what was done, and stop offering it
            await incidents.refresh_alert_cards(session, incident_id=action.incident_id, now=now)
            await enqueue(session, kind=OutboxKind.REFRESH, incident_id=action.incident_id, now=now)
        settings = config.model(action.model)
        if status == ActionStatus.SUCCEEDED and settings is not None and settings.slos:
            window = max(slo.window for slo in settings.slos.values())
            await enqueue(  # has it worked? asked once the SLO could have held for its window
                session,
                kind=OutboxKind.VERIFY,
                incident_id=action.incident_id,
                now=now,
                subject=f"verify:{action.id}",
                at=now + window,
                model=action.model,
                after_action=action.id,
            )
