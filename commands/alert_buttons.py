"""Buttons on an alert card: "Declare SEVn" (pre-filled form), "Acknowledge", "Dismiss as noise" (asks why).
The card is re-rendered in place by the outbox with who did what, when."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import mrkdwn
from bot.alerts import groups
from bot.errors import UserError
from bot.models import AlertGroup
from bot.services import Services
from bot.slack.blocks import declare_modal, dismiss_modal
from bot.slack.ids import ActionId

__all__ = ["register"]

Work = Callable[[Services, dict[str, Any], AsyncWebClient], Awaitable[None]]


async def _group(services: Services, body: dict[str, Any]) -> AlertGroup:
    value = body["actions"][0].get("value", "")
    async with services.db.session_scope() as session:
        group = await groups.get_group(session, int(value) if value.isdigit() else 0)
    groups.check_active(group)
    return group


def _handler(services: Services, work: Work) -> Callable[..., Awaitable[None]]:
    async def handle(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        try:
            await work(services, body, client)
        except UserError as exc:
            await respond(
                text=services.texts.render("error.md.j2", message=exc.message, usage=None),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        services.dispatcher.wake()

    return handle


async def open_declare_form(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    group = await _group(services, body)
    view = declare_modal(
        services.config,
        origin_channel=body["channel"]["id"],
        severity=group.severity,
        model=group.model if services.config.model(group.model) else None,
        title=mrkdwn.unescape(group.title),
        group_id=group.id,
    )
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def acknowledge(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    group = await _group(services, body)
    async with services.db.session_scope() as session:
        fresh = await groups.get_group(session, group.id or 0)
        await groups.acknowledge_group(session, group=fresh, user=body["user"]["id"], now=services.clock.now())


async def open_dismiss_form(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    group = await _group(services, body)
    await client.views_open(trigger_id=body["trigger_id"], view=dismiss_modal(group))


def register(app: AsyncApp, services: Services) -> None:
    app.action(ActionId.ALERT_DECLARE)(_handler(services, open_declare_form))
    app.action(ActionId.ALERT_ACKNOWLEDGE)(_handler(services, acknowledge))
    app.action(ActionId.ALERT_DISMISS)(_handler(services, open_dismiss_form))
