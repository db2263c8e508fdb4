"""Confirm / Cancel under a containment plan, and "Roll back <model>" on an alert card.

Confirm runs the action once however often it is clicked (the database decides who won); the plan is replaced
in place by who confirmed or cancelled it. Roll back asks for the same confirmation as `/incident rollback`.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import containment
from bot.alerts import groups
from bot.containment import ActionKind, ActionStatus
from bot.errors import UserError
from bot.services import Services
from bot.slack.ids import ActionId
from commands.contain import backend_name, incident_for
from commands.interactions import Answer, handler, value_of

__all__ = ["register"]


def _id(body: dict[str, Any]) -> int:
    value = value_of(body)
    return int(value) if value.isdigit() else 0


async def _answer(services: Services, body: dict[str, Any], *, confirm: bool) -> Answer:
    """The decision is written before the ack (milliseconds), so whoever clicks next sees it."""
    user, now = body["user"]["id"], services.clock.now()
    async with services.db.session_scope() as session:
        if confirm:
            action = await containment.confirm(session, config=services.config, action_id=_id(body), user=user, now=now)
        else:
            action = await containment.cancel(session, action_id=_id(body), user=user, now=now)
    return Answer(services.texts.render("action_status.md.j2", action=action))


async def confirm(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    return await _answer(services, body, confirm=True)


async def cancel(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    return await _answer(services, body, confirm=False)


async def roll_back_from_card(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    user = body["user"]["id"]
    async with services.db.session_scope() as session:
        group = await groups.get_group(session, _id(body))
        if group.model is None:
            raise UserError("This alert names no model to roll back.")
        incident, declared = await incident_for(
            session, services, model=group.model, channel=body["channel"]["id"], user=user
        )
        if declared and group.status in groups.ACTIVE:
            await groups.declared_from_group(session, group=group, incident=incident, now=services.clock.now())
        action = await containment.request(
            session,
            config=services.config,
            now=services.clock.now(),
            incident=incident,
            model=group.model,
            kind=ActionKind.ROLLBACK,
            user=user,
            channel=body["channel"]["id"],
            params={},
        )
    if action.status == ActionStatus.REFUSED:  # committed: the attempt is on the timeline
        raise UserError(
            f"You may not roll back `{group.model}`: that is for the incident's roles, the model's owners "
            "and on-call, and the responders in sevbot.yml. Your attempt is on the incident's timeline."
        )
    text = services.texts.render(
        "action_asked.md.j2",
        action=action,
        incident=incident,
        declared=declared,
        backend=backend_name(services, action.model),
    )
    return Answer(text, replace=False)


def register(app: AsyncApp, services: Services) -> None:
    app.action(ActionId.ACTION_CONFIRM)(handler(services, confirm))
    app.action(ActionId.ACTION_CANCEL)(handler(services, cancel))
    app.action(ActionId.ALERT_ROLLBACK)(handler(services, roll_back_from_card))
