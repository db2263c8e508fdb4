"""The message shortcut "Add to timeline" on any message in an incident channel, and the resolution notice's
"Write the postmortem" button."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import incidents, mrkdwn
from bot.errors import Problem, UserError
from bot.reports import postmortem
from bot.runtime.services import Services
from bot.slack.ids import ActionId, CallbackId
from commands.interactions import clicked_ts, handler, incident_from, value_of

__all__ = ["register"]


def _author(message: dict[str, Any]) -> str | None:
    """A person's user ID; for a bot's or an integration's message, its name as Slack shows it."""
    if message.get("user"):
        return str(message["user"])
    name = (message.get("bot_profile") or {}).get("name") or message.get("username")
    return f"app:{name}" if name else None


async def add_to_timeline(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    message = body.get("message", {})
    async with services.db.session_scope() as session:
        incident = await incidents.by_channel(session, body["channel"]["id"])
        if incident is None:
            raise UserError(Problem.SHORTCUT_OUTSIDE_INCIDENT)
        if not str(message.get("text") or "").strip():
            raise UserError(Problem.SHORTCUT_NO_TEXT)
        await incidents.add_note(
            session,
            now=services.clock.now(),
            incident=incident,
            user=body["user"]["id"],
            text=mrkdwn.from_command(str(message["text"]).strip()[:3000]),
            from_message={"author": _author(message), "ts": message.get("ts")},
        )


async def write_postmortem(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    async with services.db.session_scope() as session:
        incident = await incident_from(session, value_of(body), where="button")
        assert incident.id is not None
        await postmortem.request(
            session,
            incident_id=incident.id,
            asked_by=body["user"]["id"],
            now=services.clock.now(),
            notice_ts=clicked_ts(body),
        )


def register(app: AsyncApp, services: Services) -> None:
    app.shortcut(CallbackId.ADD_TO_TIMELINE)(handler(services, add_to_timeline))
    app.action(ActionId.POSTMORTEM)(handler(services, write_postmortem))
