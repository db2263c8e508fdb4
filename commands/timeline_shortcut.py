"""The message shortcut "Add to timeline" on any message in an incident channel, and the resolution notice's
"Write the postmortem" button."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot import incidents, mrkdwn, postmortem
from bot.errors import UserError
from bot.models import Incident
from bot.outbox import OutboxKind, enqueue
from bot.services import Services
from bot.slack.ids import ActionId, CallbackId
from bot.timeline import EventKind, record

__all__ = ["register"]


def _author(message: dict[str, Any]) -> str | None:
    """A person's user ID; for a bot's or an integration's message, its name as Slack shows it."""
    if message.get("user"):
        return str(message["user"])
    name = (message.get("bot_profile") or {}).get("name") or message.get("username")
    return f"app:{name}" if name else None


def _add_to_timeline(services: Services):  # type: ignore[no-untyped-def]
    async def handle(ack: AsyncAck, shortcut: dict[str, Any], respond: AsyncRespond) -> None:
        user, channel = shortcut["user"]["id"], shortcut["channel"]["id"]
        message = shortcut.get("message", {})
        now = services.clock.now()
        try:
            async with services.db.session_scope() as session:
                incident = await incidents.by_channel(session, channel)
                if incident is None or incident.id is None:
                    raise UserError("Add to timeline works on messages in an incident's channel.")
                text = str(message.get("text") or "").strip()
                if not text:
                    raise UserError("That message has no text to add.")
                event = await record(
                    session,
                    incident_id=incident.id,
                    actor=user,
                    kind=EventKind.NOTE,
                    at=now,
                    text=mrkdwn.from_command(text[:3000]),
                    rca=False,
                    from_message={"author": _author(message), "ts": message.get("ts")},
                )
                await enqueue(
                    session,
                    kind=OutboxKind.POST_EVENT,
                    incident_id=incident.id,
                    now=now,
                    target="incident",
                    event_id=event.id,
                )
        except UserError as exc:
            await ack()
            await respond(
                text=services.texts.render("error.md.j2", message=exc.message, usage=None), response_type="ephemeral"
            )
            return
        await ack()
        services.dispatcher.wake()

    return handle


def _postmortem_button(services: Services):  # type: ignore[no-untyped-def]
    async def handle(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        value = str(body["actions"][0].get("value", ""))
        try:
            async with services.db.session_scope() as session:
                incident = await session.get(Incident, int(value)) if value.isdigit() else None
                if incident is None or incident.id is None:
                    raise UserError("This button's incident no longer exists.")
                await postmortem.request(
                    session,
                    incident_id=incident.id,
                    asked_by=body["user"]["id"],
                    now=services.clock.now(),
                    notice_ts=(body.get("container") or {}).get("message_ts"),
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

    return handle


def register(app: AsyncApp, services: Services) -> None:
    app.shortcut(CallbackId.ADD_TO_TIMELINE)(_add_to_timeline(services))
    app.action(ActionId.POSTMORTEM)(_postmortem_button(services))
