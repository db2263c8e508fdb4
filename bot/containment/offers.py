"""Which containment an incident or an alert group offers now — one decision for the incident card, the alert
cards and the commands: what triage recommends, that the model's platform can do, and that is not already in
place (a second rollback would go further back than the last known good version)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import serving
from bot.config import Config
from bot.containment.actions import CAPABILITY, ActionKind, ActionStatus, BackendFactory
from bot.models import Action, Incident, IncidentStatus

__all__ = ["ROLLBACK_CODES", "in_place", "move_of", "offered"]

ROLLBACK_CODES = frozenset({"rollback_first", "rollback_now"})  # triage's findings that recommend a rollback
FALLBACK_CODES = frozenset({"fallback"})
SCALE_CODES = frozenset({"scale_restart"})  # a serving incident: scale out (or restart) first


async def in_place(session: AsyncSession, incident: Incident) -> frozenset[ActionKind]:
    """The containment in place for the incident: rollbacks that succeeded, a fallback switched on and not off."""
    done = await session.exec(
        select(Action)
        .where(Action.incident_id == incident.id, Action.status == ActionStatus.SUCCEEDED)
        .order_by(col(Action.id))
    )
    state: dict[ActionKind, bool] = {}
    for action in done.all():
        if action.kind == ActionKind.ROLLBACK:
            state[ActionKind.ROLLBACK] = True
        elif action.kind == ActionKind.FALLBACK:
            state[ActionKind.FALLBACK] = bool(action.params.get("on", True))
    return frozenset(kind for kind, on in state.items() if on)


def move_of(kind: ActionKind, params: dict[str, Any]) -> ActionKind | None:
    """The containment a request would put in place (a rollback, a fallback switched on), or None."""
    if kind == ActionKind.ROLLBACK:
        return ActionKind.ROLLBACK
    if kind == ActionKind.FALLBACK and bool(params.get("on", True)):
        return ActionKind.FALLBACK
    return None


async def offered(
    session: AsyncSession,
    *,
    config: Config,
    model: str | None,
    triage: dict[str, Any] | None,
    incident: Incident | None,
    backend_for: BackendFactory = serving.backend_for,
) -> tuple[ActionKind, ...]:
    """The containment buttons to show now, in the order the runbook tries them (roll back, then fall back; for a
    serving incident, scale out)."""
    settings = config.model(model)
    if model is None or settings is None or (incident is not None and incident.status == IncidentStatus.RESOLVED):
        return ()
    codes = {finding.get("code") for finding in (triage or {}).get("actions", [])}
    wanted = []
    if codes & ROLLBACK_CODES:
        wanted.append(ActionKind.ROLLBACK)
    if codes & FALLBACK_CODES and settings.fallback:
        wanted.append(ActionKind.FALLBACK)
    if codes & SCALE_CODES:
        wanted += [ActionKind.SCALE, ActionKind.RESTART]
    if not wanted:
        return ()
    can = backend_for(model, settings).capabilities
    placed = await in_place(session, incident) if incident is not None else frozenset()
    return tuple(kind for kind in wanted if CAPABILITY[kind] in can and kind not in placed)
