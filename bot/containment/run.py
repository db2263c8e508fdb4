"""Running a confirmed action once, outside any transaction and with a bounded timeout, then finishing it: the
result on the timeline with the versions before and after, the ledger's mark, the cards refreshed and the
verification scheduled one SLO window later."""

from __future__ import annotations

import os
from typing import Any

from bot import incidents, mrkdwn, runbook
from bot.clock import Clock
from bot.config import Config
from bot.containment.actions import ActionKind, ActionStatus, BackendFactory, model_config
from bot.containment.ledger import Mark, mark, remember_live
from bot.errors import Problem
from bot.incidents.timeline import EventKind, record_and_post
from bot.models import Action, Incident
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind, enqueue
from bot.serving import ServingError, ServingState
from bot.world import real

__all__ = ["execute", "finish"]


async def execute(db: Database, *, config: Config, clock: Clock, backend_for: BackendFactory, action_id: int) -> None:
    """Run a confirmed action once, then record and announce the result."""
    async with db.session_scope() as session:
        action = await session.get(Action, action_id)
        if action is None or action.status != ActionStatus.RUNNING:
            return
        interrupted = bool(action.params.get("started_at"))
        action.params = {**action.params, "started_at": clock.now().isoformat()}
        session.add(action)
        incident = await session.get(Incident, action.incident_id) if action.incident_id else None
    if not real(incident) and incident is not None and action.model != incident.model:  # never asked (bot.world)
        raise AssertionError(f"action {action.id} names {action.model} from a drill's incident, INC-{incident.id}")
    if action.kind == ActionKind.RUN:
        await _run_runbook(db, config=config, clock=clock, action=action, incident=incident, interrupted=interrupted)
        return
    backend = backend_for(action.model, model_config(config, action.model))
    params = action.params
    if interrupted:
        problem: dict[str, Any] = {"problem": str(Problem.INTERRUPTED), "backend": backend.name}
        try:
            problem["live"] = (await backend.describe()).live
        except ServingError as exc:
            problem["unknown"] = str(exc)
        await finish(
            db,
            action_id,
            clock,
            config,
            status=ActionStatus.FAILED,
            error=str(Problem.INTERRUPTED),
            problem=problem,
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
            case ActionKind.SCALE:
                state = await backend.scale(int(params["replicas"]))
            case ActionKind.RESTART:
                state = await backend.restart()
    except ServingError as exc:
        try:  # a timeout does not say the move did not happen: look, so nobody is told a false "nothing changed"
            after = (await backend.describe()).live
        except ServingError:
            after = None
        await finish(
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
        await remember_live(session, action.model, state, clock.now())
    await finish(
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


async def _run_runbook(
    db: Database, *, config: Config, clock: Clock, action: Action, incident: Incident | None, interrupted: bool
) -> None:
    """A runbook action's request, sent once: an interrupted run is not sent again (it may have been received), and
    a drill sends nothing; the answer's status and its first lines go on the timeline."""
    number = action.id
    assert number is not None

    async def done(error: str | None, *, problem: dict[str, Any] | None = None, answer: Any = None) -> None:
        status = ActionStatus.FAILED if error else ActionStatus.SUCCEEDED
        after = action.version_before if status == ActionStatus.SUCCEEDED else None
        await finish(
            db,
            number,
            clock,
            config,
            status=status,
            error=error,
            problem=problem,
            before=action.version_before,
            after=after,
            answer=answer,
        )

    if interrupted:
        cut: dict[str, Any] = {
            "problem": Problem.INTERRUPTED,
            "backend": "the runbook action's endpoint",
            "unknown": "",
        }
        return await done(str(Problem.INTERRUPTED), problem=cut)
    if not real(incident):
        drill: dict[str, Any] = {
            "problem": Problem.DRILL_TOUCHES_NOTHING,
            "step": "run",
            "incident": action.incident_id,
        }
        return await done(str(Problem.DRILL_TOUCHES_NOTHING), problem=drill)
    declared = runbook.runbook_action(config, action.model, str(action.params.get("action")))
    token = os.environ.get(declared.token_env) if declared.token_env else None
    if declared.token_env and not token:
        return await done(f"{declared.token_env} is not set in sevbot's environment")
    prepared = runbook.prepare(
        declared,
        model=action.model,
        incident=action.incident_id,
        version=action.version_before,
        given=action.params.get("input"),
        token=token,
    )
    try:
        status, excerpt = await runbook.send(prepared, key=f"sevbot-action-{number}")
    except runbook.RunbookError as exc:
        return await done(str(exc), answer={"status": exc.status, "excerpt": exc.excerpt})
    return await done(None, answer={"status": status, "excerpt": excerpt})


async def finish(
    db: Database,
    action_id: int,
    clock: Clock,
    config: Config,
    *,
    status: ActionStatus,
    error: str | None,
    problem: dict[str, Any] | None = None,
    before: str | None,
    after: str | None,
    state: ServingState | None = None,
    answer: dict[str, Any] | None = None,
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
                "replicas_now": state.replicas,
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
            "problem": problem,  # the error as a code with values, when sevbot (not the platform) found it
            "confirmed_by": action.confirmed_by,
            "params": {
                k: action.params.get(k)
                for k in ("to", "on", "percent", "replicas", "action", "input")
                if k in action.params
            },
            "answer": answer,  # a runbook action's: the status and the start of the body
        }
        assert action.incident_id is not None, "containment always has an incident (declared first if need be)"
        canary = action.params.get("canary") if action.params.get("guardrail") else None
        if status == ActionStatus.SUCCEEDED and action.kind == ActionKind.CANARY and canary:  # a guardrail's freeze
            await mark(
                session,
                model=action.model,
                version=str(canary),
                mark=Mark.BAD,
                now=now,
                incident_id=action.incident_id,
                action_id=action.id,
                reason=f"breached its {action.params['guardrail']} guardrail"[:200],
                by=action.confirmed_by,
            )
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
            played = await session.get(Incident, action.incident_id)
            window /= (played.drill_speed if played is not None else None) or 1  # a drill's clock runs faster
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
