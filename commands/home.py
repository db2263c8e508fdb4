"""Slack glue for App Home: the `app_home_opened` event records who looked and queues their home; its buttons turn
the page of open incidents and open the declare form. The home itself is drawn by the outbox (`bot.home`)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import home
from bot.runtime.services import Services
from bot.slack.forms import declare_modal
from bot.slack.ids import ActionId
from commands.interactions import button_id, handler, value_of

__all__ = ["register"]


def _opened(services: Services):  # type: ignore[no-untyped-def]
    async def opened(event: dict[str, Any]) -> None:
        user = event.get("user")
        if event.get("tab", "home") != "home" or not isinstance(user, str) or user[:1] not in ("U", "W"):
            return  # the Messages tab, or not a person
        async with services.db.session_scope() as session:
            await home.opened(session, user=user[:32], now=services.clock.now())
        services.dispatcher.wake()

    return opened


async def turn_page(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    async with services.db.session_scope() as session:
        await home.turn_page(session, user=body["user"]["id"], page=button_id(value_of(body)), now=services.clock.now())


async def open_declare_form(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    await client.views_open(trigger_id=body["trigger_id"], view=declare_modal(services.config, origin_channel=""))


def register(app: AsyncApp, services: Services) -> None:
    app.event("app_home_opened")(_opened(services))
    app.action(ActionId.HOME_PAGE)(handler(services, turn_page))
    app.action(ActionId.HOME_DECLARE)(handler(services, open_declare_form, ack_first=True))  # views.open: Slack
