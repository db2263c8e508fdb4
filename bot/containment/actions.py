"""What a containment action is: its kinds and states, the capability each needs of the serving platform, and the
model and incident it acts on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import Verdict
from bot.config import Config, ModelConfig
from bot.errors import Problem, UserError
from bot.incidents.lifecycle import open_for
from bot.models import Action
from bot.runtime.outbox import OutboxKind, enqueue
from bot.serving import Backend, Capability

__all__ = [
    "CAPABILITY",
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
    """Someone not entitled tried to act (`step`: request, pick, confirm or cancel an action of `kind`); the message
    (`templates/refused.md.j2`) says who may and how to get access."""

    def __init__(
        self,
        verdict: Verdict,
        *,
        step: str,
        kind: str,
        model: str,
        incident_id: int | None,
        requested_by: str | None = None,
    ) -> None:
        super().__init__(Problem.REFUSED, step=step, kind=kind, model=model)
        self.verdict = verdict
        self.step = step
        self.kind = kind
        self.model = model
        self.incident_id = incident_id
        self.requested_by = requested_by


class ActionKind(StrEnum):
    ROLLBACK = "rollback"
    FALLBACK = "fallback"
    CANARY = "canary"
    REVIEW = "review"
    SCALE = "scale"  # how many replicas serve the live version
    RESTART = "restart"  # the replicas serving the live version, restarted
    RUN = "run"  # a runbook action of the model (bot.runbook): an HTTP call, not a serving platform's move


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
    ActionKind.SCALE: Capability.SCALE,
    ActionKind.RESTART: Capability.RESTART,
}


def model_config(config: Config, model: str) -> ModelConfig:
    found = config.model(model)
    if found is None:
        raise UserError(Problem.UNKNOWN_MODEL, model=model, known=sorted(config.models))
    return found


open_incident_for = open_for  # the model's open incident: the incidents' own query


async def queue(session: AsyncSession, action: Action, kind: OutboxKind, now: datetime) -> None:
    """Planning and running an action are ordered by the action itself, not held behind its incident's messages."""
    await enqueue(
        session, kind=kind, now=now, incident_id=action.incident_id, subject=f"action:{action.id}", action_id=action.id
    )
