"""Snooze buttons on an update reminder: recorded on the timeline, and the reminder says who snoozed until when."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.incidents import cadence
from bot.runtime.services import Services
from bot.slack.ids import ActionId
from commands.interactions import Answer, button_id, clicked_ts, handler, incident_from, value_of

__all__ = ["register"]


async def snooze(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    user, now = body["user"]["id"], services.clock.now()
    incident_id, _, minutes = value_of(body).partition(":")
    async with services.db.session_scope() as session:
        incident = await incident_from(session, incident_id, where="reminder")
        until = await cadence.snooze(
            session,
            incident=incident,
            user=user,
            minutes=button_id(minutes),
            now=now,
            reminder_ts=clicked_ts(body),
        )
    return Answer(services.texts.render("reminder_snoozed.md.j2", user=user, until=until))


def register(app: AsyncApp, services: Services) -> None:
    app.action(re.compile(f"^{ActionId.SNOOZE}_\\d+$"))(handler(services, snooze))
