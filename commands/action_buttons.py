"""Confirm / Cancel under a containment plan, and "Roll back <model>" on an alert card.

Confirm runs the action once however often it is clicked (the database decides who won); the plan is replaced
in place by who confirmed or cancelled it. Roll back asks for the same confirmation as `/incident rollback`.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import containment
from bot.alerts import groups
from bot.containment import ActionKind, ActionStatus, Refused
from bot.containment.confirm import may_cancel_action
from bot.errors import Problem, UserError
from bot.runtime.services import Services
from bot.slack.blocks import action_plan, as_dicts
from bot.slack.forms import cancel_countdown_modal
from bot.slack.ids import ActionId
from bot.slack.labels import label
from commands.contain import answer, start
from commands.interactions import Answer, button_id, handler, value_of

__all__ = ["register"]


def _id(body: dict[str, Any]) -> int:
    return button_id(value_of(body))


async def _answer(services: Services, body: dict[str, Any], *, confirm: bool) -> Answer:
    """The decision is written before the ack (milliseconds), so whoever clicks next sees it."""
    user, now = body["user"]["id"], services.clock.now()
    step = containment.confirm if confirm else containment.cancel
    async with services.db.session_scope() as session:
        action = await step(
            session, config=services.config, directory=services.directory, action_id=_id(body), user=user, now=now
        )
    if isinstance(action, Refused):  # committed: the attempt is on the timeline
        raise action
    if action.status == ActionStatus.PENDING:  # the target is known bad: one more, explicit confirmation
        text = services.texts.render("action_second_confirm.md.j2", action=action)
        blocks = as_dicts(
            action_plan(text, action.id, confirm=label("buttons.deploy_anyway", version=action.params.get("to")))
        )
        return Answer(text, blocks=blocks)
    return Answer(services.texts.render("action_status.md.j2", action=action))


async def pick(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    """A candidate version picked: the plan for it comes next, in place of the choices."""
    raw, _, version = value_of(body).partition(":")
    async with services.db.session_scope() as session:
        action = await containment.pick(
            session,
            config=services.config,
            directory=services.directory,
            action_id=button_id(raw),
            version=version,
            user=body["user"]["id"],
            now=services.clock.now(),
        )
    if isinstance(action, Refused):
        raise action
    return Answer(services.texts.render("action_picked.md.j2", action=action))


async def confirm(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    return await _answer(services, body, confirm=True)


async def cancel(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    return await _answer(services, body, confirm=False)


async def roll_back_from_card(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    async with services.db.session_scope() as session:
        group = await groups.get_group(session, _id(body))
    if group.model is None:
        raise UserError(Problem.NO_MODEL_NAMED, where="alert")
    asked = await start(
        services,
        model=group.model,
        kind=ActionKind.ROLLBACK,
        user=body["user"]["id"],
        channel=body["channel"]["id"],
        params={},
        group_id=group.id,
        from_card=True,
    )
    return Answer(answer(services, asked), replace=False)


async def ask_why_cancel(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    """*Cancel…* on sevbot's own countdown: who may cancel is checked at the click, then a form asks why."""
    async with services.db.session_scope() as session:  # a refusal is recorded in this transaction, then said
        refused = await may_cancel_action(
            session,
            config=services.config,
            directory=services.directory,
            action_id=_id(body),
            user=body["user"]["id"],
            now=services.clock.now(),
        )
    if refused is not None:
        raise refused
    await client.views_open(trigger_id=body["trigger_id"], view=cancel_countdown_modal(_id(body)))


def register(app: AsyncApp, services: Services) -> None:
    app.action(ActionId.ACTION_CONFIRM)(handler(services, confirm))
    app.action(ActionId.ACTION_CANCEL)(handler(services, cancel))
    app.action(re.compile(f"^{ActionId.ACTION_PICK}_\\d+$"))(handler(services, pick))
    app.action(ActionId.ALERT_ROLLBACK)(handler(services, roll_back_from_card))
    app.action(ActionId.COUNTDOWN_CANCEL)(handler(services, ask_why_cancel, ack_first=True))
