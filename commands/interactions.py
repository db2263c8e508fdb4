"""What every button and shortcut handler does around its own work, in one place.

The work writes what the click means (in milliseconds) and the click is acked after it, so whoever clicks next
sees it; work that calls Slack itself (opening a form with `views.open`) acks first instead, since Slack's answer
can be slow. A `UserError` is answered privately and changed nothing; otherwise the outbox is woken and the
work's `Answer`, if any, replaces the message clicked or goes privately to the person who clicked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.models import Incident
from bot.services import Services

__all__ = ["Answer", "Handler", "Work", "clicked_ts", "handler", "incident_from", "value_of"]


@dataclass(frozen=True)
class Answer:
    text: str
    replace: bool = True  # replace the message clicked; False: a private message to whoever clicked


Work = Callable[[Services, dict[str, Any], AsyncWebClient], Awaitable[Answer | None]]
Handler = Callable[..., Awaitable[None]]


def handler(services: Services, work: Work, *, ack_first: bool = False) -> Handler:
    async def handle(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        if ack_first:
            await ack()
        try:
            answer = await work(services, body, client)
        except UserError as exc:
            if not ack_first:
                await ack()
            services.dispatcher.wake()  # a refusal may be on the timeline (who tried to act)
            await respond(
                text=services.texts.render("error.md.j2", message=exc.message, usage=None),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        if not ack_first:
            await ack()
        services.dispatcher.wake()
        if answer is not None and answer.replace:
            await respond(text=answer.text, replace_original=True)
        elif answer is not None:
            await respond(text=answer.text, response_type="ephemeral", replace_original=False)

    return handle


def value_of(body: dict[str, Any]) -> str:
    """The clicked button's value."""
    return str(body["actions"][0].get("value", ""))


def clicked_ts(body: dict[str, Any]) -> str | None:
    """The timestamp of the message the button sits on."""
    return (body.get("container") or {}).get("message_ts")


async def incident_from(session: AsyncSession, value: str, *, where: str = "card") -> Incident:
    """The incident a button names by ID; a stale or forged value is refused in words."""
    incident = await session.get(Incident, int(value)) if value.isdigit() else None
    if incident is None or incident.id is None:
        raise UserError(f"This {where}'s incident no longer exists.")
    return incident
