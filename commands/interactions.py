"""What every button and shortcut handler does around its own work, in one place.

The work writes what the click means (in milliseconds) and the click is acked after it, so whoever clicks next
sees it; work that calls Slack itself (opening a form with `views.open`) acks first instead, since Slack's answer
can be slow. A `UserError` is answered privately and changed nothing; otherwise the outbox is woken and the
work's `Answer`, if any, replaces the message clicked or goes privately to the person who clicked. What is said
through `response_url` is said after the ack (`services.follow_ups`), so it never holds the ack up.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import incidents
from bot.access import NotYours
from bot.containment import Refused
from bot.drills.identity import drill_id
from bot.errors import Problem, UserError
from bot.models import Incident
from bot.runtime.services import Services

__all__ = [
    "Answer",
    "Handler",
    "Work",
    "button_id",
    "clicked_ts",
    "explain",
    "handler",
    "incident_from",
    "value_of",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    text: str
    replace: bool = True  # replace the message clicked; False: a private message to whoever clicked
    blocks: list[dict[str, Any]] | None = None  # buttons that stay (a second confirmation), else text only


Work = Callable[[Services, dict[str, Any], AsyncWebClient], Awaitable[Answer | None]]
Handler = Callable[..., Awaitable[None]]


async def record_refusal(services: Services, exc: UserError) -> None:
    """An attempt to undo an incident by someone not entitled goes on its timeline, in a transaction of its own
    (the refused change rolled back with its own)."""
    if isinstance(exc, NotYours):
        async with services.db.session_scope() as session:
            await incidents.record_refusal(session, now=services.clock.now(), refusal=exc)
        services.dispatcher.wake()


def explain(services: Services, exc: UserError) -> str:
    """A refusal says who may act and how to get access; any other error says what was wrong."""
    if isinstance(exc, Refused):
        return services.texts.render(
            "refused.md.j2",
            step=exc.step,
            kind=exc.kind,
            model=exc.model,
            verdict=exc.verdict,
            incident_id=exc.incident_id,
            requested_by=exc.requested_by,
            drill=drill_id(exc.model) is not None,
        )
    return services.texts.error(exc)


def handler(services: Services, work: Work, *, ack_first: bool = False) -> Handler:
    async def handle(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        if ack_first:  # the work calls Slack itself: the ack goes first, the work and its answer after it
            await ack()
            services.follow_ups.start(_work_then_answer(services, work, body, client, respond), what="a click")
            return
        said = await _attempt(services, work, body, client)
        await ack()
        services.dispatcher.wake()
        if said is not None:
            services.follow_ups.start(respond(**said), what="answering a click")

    return handle


async def _work_then_answer(
    services: Services, work: Work, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
) -> None:
    said = await _attempt(services, work, body, client)
    services.dispatcher.wake()
    if said is not None:
        await respond(**said)


async def _attempt(
    services: Services, work: Work, body: dict[str, Any], client: AsyncWebClient
) -> dict[str, Any] | None:
    """Do the work; what to say to whoever clicked (`respond`'s arguments), if anything. A refusal may be on the
    timeline too (who tried to act), so callers wake the outbox whatever the outcome."""
    try:
        answer = await work(services, body, client)
    except UserError as exc:
        await record_refusal(services, exc)
        return {"text": explain(services, exc), "response_type": "ephemeral", "replace_original": False}
    except Exception:  # said to the person and logged; Slack gets its ack, never a 500
        log.exception("interaction failed")
        text = services.texts.render("internal_error.md.j2")
        return {"text": text, "response_type": "ephemeral", "replace_original": False}
    if answer is None:
        return None
    if answer.replace:
        return {"text": answer.text, "blocks": answer.blocks or [], "replace_original": True}
    return {"text": answer.text, "response_type": "ephemeral", "replace_original": False}


def value_of(body: dict[str, Any]) -> str:
    """The clicked button's value."""
    return str(body["actions"][0].get("value", ""))


def clicked_ts(body: dict[str, Any]) -> str | None:
    """The timestamp of the message the button sits on."""
    return (body.get("container") or {}).get("message_ts")


def button_id(value: str) -> int:
    """A database ID from a button's value; anything else (forged, absurdly large) is 0, which names nothing."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0


async def incident_from(session: AsyncSession, value: str, *, where: str = "card") -> Incident:
    """The incident a button names by ID; a stale or forged value is refused in words."""
    number = button_id(value)
    incident = await session.get(Incident, number) if number else None
    if incident is None or incident.id is None:
        raise UserError(Problem.INCIDENT_GONE, where=where)
    return incident
