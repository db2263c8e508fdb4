"""What `rollback`, `fallback`, `canary` and `review` share: find (or declare) the incident, check who asks,
store the request. The platform is asked after the ack; the plan comes back privately with Confirm / Cancel."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import containment, incidents, mrkdwn, serving
from bot.containment import ActionKind, ActionStatus
from bot.errors import UserError
from bot.models import AlertGroup, Incident
from bot.services import Services
from commands.invocation import Invocation

__all__ = ["ask", "backend_name", "incident_for"]


async def incident_for(
    session: AsyncSession, services: Services, *, model: str, channel: str, user: str
) -> tuple[Incident, bool]:
    """The incident this channel is, else the model's open one, else one declared now from its latest alert."""
    here = await incidents.by_channel(session, channel)
    if here is not None:
        if here.status == "resolved":
            raise UserError(f"INC-{here.id} is resolved: declare a new incident to act again.")
        return here, False
    found = await containment.open_incident_for(session, model)
    if found is not None:
        return found, False
    latest = (
        await session.exec(select(AlertGroup).where(AlertGroup.model == model).order_by(col(AlertGroup.id).desc()))
    ).first()
    if latest is None:
        raise UserError(
            f"`{model}` has no open incident and no alert to take its severity from. "
            f"Declare one first: `/incident declare <sev1..sev4> {model} <title>`."
        )
    declared = await incidents.declare(
        session,
        config=services.config,
        now=services.clock.now(),
        severity=latest.severity,
        title=latest.title,
        model=model,
        declared_by=user,
        triage=latest.triage,
    )
    return declared, True


async def ask(inv: Invocation, *, model: str, kind: ActionKind, params: dict[str, Any], usage: str) -> None:
    if not model:
        raise UserError("Name the model.", usage=usage)
    containment.model_config(inv.services.config, model)
    async with inv.services.db.session_scope() as session:
        incident, declared = await incident_for(session, inv.services, model=model, channel=inv.channel, user=inv.user)
        action = await containment.request(
            session,
            config=inv.services.config,
            now=inv.services.clock.now(),
            incident=incident,
            model=model,
            kind=kind,
            user=inv.user,
            channel=inv.channel,
            params=params,
        )
    inv.changed()
    if action.status == ActionStatus.REFUSED:
        raise UserError(
            f"You may not {kind} `{mrkdwn.escape(model)}`: that is for the incident's roles, the model's owners and "
            "on-call, and the responders in sevbot.yml. Your attempt is on the incident's timeline."
        )
    await inv.reply(
        inv.render(
            "action_asked.md.j2",
            action=action,
            incident=incident,
            declared=declared,
            backend=backend_name(inv.services, model),
        )
    )


def backend_name(services: Services, model: str) -> str:
    return serving.backend_for(model, containment.model_config(services.config, model)).name
