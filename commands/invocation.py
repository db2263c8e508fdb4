"""One `/incident …` as the subcommands see it: who, where, the arguments, and how to answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import incidents
from bot.errors import Problem, UserError
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

    async def reply_blocks(self, text: str, blocks: list[dict[str, Any]]) -> None:
        """A private answer with buttons (a question: the buttons' clicks come back as actions)."""
        self.acked = True
        await self.ack(text=text, blocks=blocks, response_type="ephemeral")

    async def error(self, error: UserError, usage: str | None) -> None:
        await self.reply(self.services.texts.error(error, usage=usage))

    async def incident_here(self, session: AsyncSession) -> Incident:
        incident = await incidents.by_channel(session, self.channel)
        if incident is None:
            raise UserError(Problem.NOT_AN_INCIDENT_CHANNEL, command=self.name)
        return incident

    def changed(self) -> None:
        """Something was written for Slack: let the outbox worker at it now."""
        self.services.dispatcher.wake()
