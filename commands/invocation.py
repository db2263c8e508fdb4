"""One `/incident …` as the subcommands see it: who, where, the arguments, and how to answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import incidents
from bot.errors import UserError
from bot.models import Incident
from bot.runtime.services import Services

__all__ = ["Invocation"]


@dataclass(kw_only=True)
class Invocation:
    services: Services
    name: str
    user: str
    channel: str
    args: str
    trigger_id: str
    client: AsyncWebClient
    ack: AsyncAck
    acked: bool = field(default=False)

    def render(self, template: str, **context: Any) -> str:
        return self.services.texts.render(template, **context)

    async def reply(self, text: str = "") -> None:
        """Answer the person who typed the command, visible to them only (the ack itself: no API call)."""
        self.acked = True
        if text:
            await self.ack(text=text, response_type="ephemeral")
        else:
            await self.ack()

    async def error(self, message: str, usage: str | None) -> None:
        await self.reply(self.render("error.md.j2", message=message, usage=usage))

    async def incident_here(self, session: AsyncSession) -> Incident:
        incident = await incidents.by_channel(session, self.channel)
        if incident is None:
            raise UserError(
                f"`/incident {self.name}` works in an incident's channel, and this is not one. "
                "`/incident list` shows the open incidents."
            )
        return incident

    def changed(self) -> None:
        """Something was written for Slack: let the outbox worker at it now."""
        self.services.dispatcher.wake()
