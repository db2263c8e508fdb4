"""Buttons on an alert card: "Declare SEVn" (pre-filled form), "Acknowledge", "Dismiss as noise" (asks why).
The card is re-rendered in place by the outbox with who did what, when."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import groups
from bot.models import AlertGroup
from bot.runtime.services import Services
from bot.slack.forms import declare_modal, dismiss_modal
from bot.slack.ids import ActionId
from commands.interactions import button_id, handler, value_of

__all__ = ["register"]


async def _group(services: Services, body: dict[str, Any]) -> AlertGroup:
    value = value_of(body)
    async with services.db.session_scope() as session:
        group = await groups.get_group(session, button_id(value))
    groups.check_active(group)
    return group


async def open_declare_form(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    group = await _group(services, body)
    view = declare_modal(
        services.config,
        origin_channel=body["channel"]["id"],
        severity=group.severity,
        model=group.model if services.config.model(group.model) else None,
        title=group.title,
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
    app.action(ActionId.ALERT_DECLARE)(handler(services, open_declare_form, ack_first=True))  # views.open: Slack
    app.action(ActionId.ALERT_ACKNOWLEDGE)(handler(services, acknowledge))
    app.action(ActionId.ALERT_DISMISS)(handler(services, open_dismiss_form, ack_first=True))
