"""Snooze buttons on an update reminder: recorded on the timeline, and the reminder says who snoozed until when."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot import cadence
from bot.errors import UserError
from bot.models import Incident
from bot.services import Services
from bot.slack.ids import ActionId

__all__ = ["register"]


def _snooze(services: Services):  # type: ignore[no-untyped-def]
    async def handle(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        user, now = body["user"]["id"], services.clock.now()
        incident_id, _, minutes = str(body["actions"][0].get("value", "")).partition(":")
        try:
            async with services.db.session_scope() as session:
                incident = await session.get(Incident, int(incident_id)) if incident_id.isdigit() else None
                if incident is None:
                    raise UserError("This reminder's incident no longer exists.")
                until = await cadence.snooze(
                    session,
                    incident=incident,
                    user=user,
                    minutes=int(minutes or 0),
                    now=now,
                    reminder_ts=(body.get("container") or {}).get("message_ts"),
                )
        except UserError as exc:
            await ack()
            await respond(
                text=services.texts.render("error.md.j2", message=exc.message, usage=None),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        await ack()
        services.dispatcher.wake()
        await respond(
            text=services.texts.render("reminder_snoozed.md.j2", user=user, until=until),
            replace_original=True,
        )

    return handle


def register(app: AsyncApp, services: Services) -> None:
    app.action(re.compile(f"^{ActionId.SNOOZE}_\\d+$"))(_snooze(services))
