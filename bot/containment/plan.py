"""Planning an action after the ack: ask the platform what is live, remember it, work out the plan (or the
versions to pick from when nobody knows the previous one), and queue it to be shown to the person who asked."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import runbook
from bot.clock import Clock
from bot.config import Config, ModelConfig
from bot.containment.actions import CAPABILITY, ActionKind, ActionStatus, BackendFactory, model_config
from bot.containment.compat import compare
from bot.containment.ledger import Ledger, adopt, ledger, remember_live
from bot.containment.run import finish
from bot.errors import Problem, UserError
from bot.models import Action, LiveVersion
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind, enqueue
from bot.serving import Backend, ServingError, ServingState

__all__ = ["Candidate", "candidates", "prepare"]


@dataclass(frozen=True)
class Candidate:
    version: str
    about: dict[str, Any]  # the version as data: lineage, age, ledger mark (see `describe`)


def describe(state: ServingState, name: str | None, now: datetime, marks: Ledger | None = None) -> dict[str, Any]:
    """A version as the plan shows it (`_containment.md.j2`'s `version`): its lineage, when it was made, its mark."""
    version = state.version(name)
    return {
        "version": name,
        "known": version is not None,
        "lineage": version.lineage() if version is not None else "",
        "age_s": (now - version.created_at).total_seconds() if version is not None and version.created_at else None,
        "mark": marks.mark_of(name) if marks is not None else None,
    }


def candidates(state: ServingState, marks: Ledger, now: datetime, *, most: int = 3) -> tuple[Candidate, ...]:
    """The newest versions below the live one (known-bad ones last), to pick from when nobody knows the previous."""
    ordered = list(state.versions)
    if all(v.created_at is not None for v in ordered):
        ordered.sort(key=lambda v: v.created_at)  # type: ignore[arg-type,return-value]
    names = [v.version for v in ordered]
    below = names[: names.index(state.live)] if state.live in names else [n for n in names if n != state.live]
    below.reverse()
    below.sort(key=marks.is_bad)  # stable: newest first, known bad after the rest
    return tuple(Candidate(name, describe(state, name, now, marks)) for name in below[:most])


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
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the person is shown before confirming (as data: `_containment.md.j2`'s `plan` says it), and what
    `execute` needs. Raises UserError when it cannot be."""
    before = state.live
    plan: dict[str, Any] = {"kind": str(kind), "model": model, "before": describe(state, before, now, marks)}
    if kind == ActionKind.ROLLBACK:
        to = params.get("to") or state.previous
        if not to:
            raise UserError(Problem.NO_PREVIOUS_VERSION, model=model, live=before)
        if state.version(to) is None and state.lists_all_versions:
            raise UserError(Problem.NO_SUCH_VERSION, model=model, version=to, known=[v.version for v in state.versions])
        if to == before:
            raise UserError(Problem.ALREADY_LIVE, version=to)
        bad = marks.mark_of(to) if marks.is_bad(to) else None
        return {**plan, "to": describe(state, to, now, marks)}, {"to": to, "known_bad": bad}
    if kind == ActionKind.FALLBACK:
        on = bool(params.get("on", True))
        return {**plan, "on": on, "fallback": settings.fallback}, {"on": on}
    if kind == ActionKind.CANARY:
        percent = float(params["percent"])
        return {**plan, "was": state.canary_percent, "percent": percent}, {"percent": percent}
    if kind == ActionKind.RESTART:
        return plan, {}
    if kind == ActionKind.SCALE:  # a number, or the card's "scale out": twice what serves now
        was = state.replicas
        replicas = int(params.get("replicas") or 2 * (was or 1))
        if replicas == was:
            raise UserError(Problem.ALREADY_SCALED, model=model, replicas=replicas)
        return {**plan, "was": was, "replicas": replicas}, {"replicas": replicas}
    on = bool(params.get("on", True))
    return {**plan, "on": on}, {"on": on}


async def prepare(db: Database, *, config: Config, clock: Clock, backend_for: BackendFactory, action_id: int) -> None:
    """Ask the platform what is live and work out the plan (or the versions to pick from), then queue it to be shown
    to the person who asked; an action no longer planning is left alone. A platform that cannot do it fails the
    action, and the person is shown why."""
    async with db.session_scope() as session:
        action = await session.get(Action, action_id)
        if action is None or action.status != ActionStatus.PLANNING:
            return
        marks = await ledger(session, action.model)
    settings = model_config(config, action.model)
    kind = ActionKind(action.kind)
    if kind == ActionKind.RUN:  # a runbook action: the plan is its exact request, no platform to ask
        await _prepare_run(db, config=config, action=action, now=clock.now())
        return
    backend = backend_for(action.model, settings)
    try:
        backend.require(CAPABILITY[kind])
        state = await backend.describe()
        async with db.session_scope() as session:
            await remember_live(session, action.model, state, clock.now())
            if await adopt(session, model=action.model, state=state, now=clock.now()):
                marks = await ledger(session, action.model)  # the registry's verdicts, in this very plan
            if kind == ActionKind.ROLLBACK and not action.params.get("to"):
                state = replace(state, previous=await _previous(session, action.model, state, marks))
        offered: tuple[Candidate, ...] = ()
        if kind == ActionKind.ROLLBACK and not action.params.get("to") and not state.previous:
            offered = candidates(state, marks, clock.now())
        if not offered:
            plan, execution = _plan(kind, action.model, settings, state, action.params, clock.now(), marks)
            if kind == ActionKind.ROLLBACK:  # what the target expects, against what the live version is fed
                compat = compare(
                    state.version(state.live),
                    await backend.signature(state.live) if state.live else None,
                    state.version(execution["to"]),
                    await backend.signature(str(execution["to"])),
                    kept=type(backend).signature is not Backend.signature,
                )
                plan["compat"] = compat
                execution["incompatible"] = compat if compat["breaks"] else None
    except UserError as exc:  # the request cannot be (a version that does not exist, one already live): a word to
        # whoever asked, privately; nothing ran, so nothing goes on the incident's timeline or to its channel
        async with db.session_scope() as session:
            problem = {"problem": str(exc.problem), **exc.values}
            await _update(
                session,
                action_id,
                status=ActionStatus.CANCELLED,
                error=str(exc.problem),
                finished_at=clock.now(),
                params={"backend_name": backend.name, "problem": problem},
            )
            await _show(session, action_id, clock.now())
        return
    except ServingError as exc:
        problem = None
        async with db.session_scope() as session:
            await _update(session, action_id, params={"backend_name": backend.name, "problem": problem})
        error = str(exc)
        await finish(
            db,
            action_id,
            clock,
            config,
            status=ActionStatus.FAILED,
            error=error,
            problem=problem,
            before=None,
            after=None,
        )
        async with db.session_scope() as session:
            await _show(session, action_id, clock.now())
        return
    async with db.session_scope() as session:
        if offered:
            await _update(
                session,
                action_id,
                status=ActionStatus.CHOOSING,
                params={
                    "backend_name": backend.name,
                    "candidates": [c.version for c in offered],
                    "candidate_versions": [c.about for c in offered],
                },
            )
        else:
            await _update(
                session,
                action_id,
                status=ActionStatus.PENDING,
                version_before=state.live,
                params={**execution, "plan": plan, "backend_name": backend.name},
            )
        await _show(session, action_id, clock.now())


async def _prepare_run(db: Database, *, config: Config, action: Action, now: datetime) -> None:
    """The plan of a runbook action: the request it will send (the token masked), with the version last seen live
    for `$version`; a declaration gone from sevbot.yml since the request is said to the person, nothing sent."""
    assert action.id is not None
    async with db.session_scope() as session:
        live = (
            await session.exec(
                select(LiveVersion.version)
                .where(LiveVersion.model == action.model)
                .order_by(col(LiveVersion.last_seen_at).desc())
            )
        ).first()
        name, given = str(action.params.get("action")), action.params.get("input")
        try:
            declared = runbook.runbook_action(config, action.model, name)
            prepared = runbook.prepare(
                declared, model=action.model, incident=action.incident_id, version=live, given=given, token=None
            )
        except UserError as exc:
            problem = {"problem": str(exc.problem), **exc.values}
            await _update(
                session,
                action.id,
                status=ActionStatus.CANCELLED,
                error=str(exc.problem),
                finished_at=now,
                params={"backend_name": "runbook", "problem": problem},
            )
        else:
            plan = {
                "kind": str(ActionKind.RUN),
                "model": action.model,
                "action": name,
                "title": declared.title,
                "request": prepared.shown(),
            }
            await _update(
                session,
                action.id,
                status=ActionStatus.PENDING,
                version_before=live,
                params={"plan": plan, "backend_name": "runbook"},
            )
        await _show(session, action.id, now)


async def _update(session: AsyncSession, action_id: int, *, params: dict[str, Any], **fields: Any) -> None:
    action = await session.get(Action, action_id)
    assert action is not None
    action.params = {**action.params, **params}
    for name, value in fields.items():
        setattr(action, name, value)
    session.add(action)


async def _show(session: AsyncSession, action_id: int, now: datetime) -> None:
    """The plan, the versions to pick from, or why it cannot be: shown privately by the Slack side, in the action's
    own order (after its planning)."""
    await enqueue(session, kind=OutboxKind.SHOW_PLAN, now=now, subject=f"action:{action_id}", action_id=action_id)
