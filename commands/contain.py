"""What `rollback`, `fallback`, `canary` and `review` share: the domain decides the incident and who may act
(`bot.containment.target.ask`); the platform is asked after the ack; the plan comes back privately with
Confirm / Cancel."""

from __future__ import annotations

from typing import Any

from bot import containment, serving
from bot.containment import ActionKind, ActionStatus, Refused
from bot.containment.target import Asked
from bot.containment.target import ask as ask_domain
from bot.errors import Problem, UserError
from bot.runtime.services import Services
from commands.invocation import Invocation

__all__ = ["answer", "ask", "backend_name", "start"]


async def start(
    services: Services,
    *,
    model: str,
    kind: ActionKind,
    user: str,
    channel: str,
    params: dict[str, Any],
    group_id: int | None = None,
    from_card: bool = False,
) -> Asked:
    """Store the request (or the refusal) in one transaction; the caller answers with `answer`."""
    async with services.db.session_scope() as session:
        return await ask_domain(
            session,
            config=services.config,
            directory=services.directory,
            now=services.clock.now(),
            model=model,
            kind=kind,
            user=user,
            channel=channel,
            params=params,
            group_id=group_id,
            from_card=from_card,
        )


def answer(services: Services, asked: Asked) -> str:
    """The private answer; a refusal (committed, so on the record) is raised for the caller's error path."""
    action = asked.action
    if action.status == ActionStatus.REFUSED:
        raise Refused(
            asked.verdict,
            step="request",
            kind=action.kind,
            model=action.model,
            incident_id=asked.incident.id if asked.incident else None,
        )
    return services.texts.render(
        "action_asked.md.j2",
        action=action,
        incident=asked.incident,
        declared=asked.declared,
        backend=backend_name(services, action.model),
    )


async def ask(inv: Invocation, *, model: str, kind: ActionKind, params: dict[str, Any], usage: str) -> None:
    if not model:
        raise UserError(Problem.USAGE, need="model", usage=usage)
    asked = await start(inv.services, model=model, kind=kind, user=inv.user, channel=inv.channel, params=params)
    inv.changed()
    await inv.reply(answer(inv.services, asked))


def backend_name(services: Services, model: str) -> str:
    return serving.backend_for(model, containment.model_config(services.config, model)).name
