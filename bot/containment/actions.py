"""What a containment action is: its kinds and states, the capability each needs of the serving platform, and the
model and incident it acts on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import Verdict
from bot.config import Config, ModelConfig
from bot.errors import UserError
from bot.models import Action, Incident, IncidentStatus
from bot.runtime.outbox import OutboxKind, enqueue
from bot.serving import Backend, Capability

__all__ = [
    "CAPABILITY",
    "VERBS",
    "ActionKind",
    "ActionStatus",
    "BackendFactory",
    "Refused",
    "model_config",
    "open_incident_for",
    "queue",
]

BackendFactory = Callable[[str, ModelConfig], Backend]


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


async def queue(session: AsyncSession, action: Action, kind: OutboxKind, now: datetime) -> None:
    """Planning and running an action are ordered by the action itself, not held behind its incident's messages."""
    await enqueue(
        session, kind=kind, now=now, incident_id=action.incident_id, subject=f"action:{action.id}", action_id=action.id
    )
