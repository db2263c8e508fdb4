"""Buttons on the incident card: "I'll be commander", "Acknowledge", "Post update" (form), "Resolve" (form).
The card is re-rendered in place by the outbox, so the message the button sits on shows the change."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import incidents
from bot.alerts.facts import incident_scope
from bot.errors import UserError
from bot.models import Incident, Role
from bot.services import Services
from bot.slack.blocks import resolve_modal, update_modal
from bot.slack.ids import ActionId

__all__ = ["register"]

log = logging.getLogger(__name__)
Handler = Callable[..., Awaitable[None]]


async def _incident(services: Services, session: Any, body: dict[str, Any]) -> Incident:
    value = body["actions"][0].get("value", "")
    incident = await session.get(Incident, int(value)) if value.isdigit() else None
    if incident is None:
        raise UserError("This card's incident no longer exists.")
    assert isinstance(incident, Incident)
    return incident


def _handler(
    services: Services, work: Callable[[Services, dict[str, Any], AsyncWebClient], Awaitable[None]]
) -> Handler:
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
        else:
            services.dispatcher.wake()

    return handle


async def take_command(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    user = body["user"]["id"]
    async with services.db.session_scope() as session:
        incident = await _incident(services, session, body)
        snap = await incidents.snapshot(session, incident)
        now = services.clock.now()
        if snap.commander != user:
            await incidents.assign_role(session, now=now, incident=incident, role=Role.COMMANDER, user=user, actor=user)
        if incident.acknowledged_at is None:
            await incidents.acknowledge(session, now=now, incident=incident, user=user)


async def acknowledge(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    async with services.db.session_scope() as session:
        incident = await _incident(services, session, body)
        await incidents.acknowledge(session, now=services.clock.now(), incident=incident, user=body["user"]["id"])


async def open_update_form(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    async with services.db.session_scope() as session:
        incident = await _incident(services, session, body)
        if incident.status == "resolved":
            raise UserError(f"INC-{incident.id} is already resolved.")
        snap = await incidents.snapshot(session, incident)
        now = services.clock.now()
        scope = "" if incident.scope else await incident_scope(session, incident, services.config, now)
    await client.views_open(trigger_id=body["trigger_id"], view=update_modal(snap, scope=scope))


async def open_resolve_form(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    async with services.db.session_scope() as session:
        incident = await _incident(services, session, body)
        if incident.status == "resolved":
            raise UserError(f"INC-{incident.id} is already resolved.")
        snap = await incidents.snapshot(session, incident)
    await client.views_open(trigger_id=body["trigger_id"], view=resolve_modal(snap))


def register(app: AsyncApp, services: Services) -> None:
    app.action(ActionId.TAKE_COMMAND)(_handler(services, take_command))
    app.action(ActionId.ACKNOWLEDGE)(_handler(services, acknowledge))
    app.action(ActionId.POST_UPDATE)(_handler(services, open_update_form))
    app.action(ActionId.RESOLVE)(_handler(services, open_resolve_form))
