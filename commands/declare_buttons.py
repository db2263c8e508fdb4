"""The answers to a question sevbot asked before acting: *Join INC-n* or *Declare a new incident anyway* when the
model's incident is already open, and *Resolve anyway* when the last verification said not recovered. Each click
replaces the question with what was done."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import incidents
from bot.errors import Problem, UserError
from bot.runtime.outbox import OutboxKind, enqueue
from bot.runtime.services import Services
from bot.slack.ids import ActionId
from commands.declare import DeclareArgs
from commands.interactions import Answer, button_id, handler, incident_from, value_of

__all__ = ["register"]


async def join(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    """Into the open incident's channel (anyone may join an incident)."""
    user = body["user"]["id"]
    async with services.db.session_scope() as session:
        incident = await incident_from(session, value_of(body), where="message")
        incidents.check_open(incident)
        await enqueue(session, kind=OutboxKind.INVITE, incident_id=incident.id, now=services.clock.now(), users=[user])
        snap = await incidents.snapshot(session, incident)
    return Answer(services.texts.render("declare_joined.md.j2", snap=snap))


async def declare_anyway(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    """A different problem on the same model: declared as asked."""
    try:
        args = DeclareArgs.model_validate_json(value_of(body))
    except ValidationError:  # a forged or damaged button
        raise UserError(Problem.INCIDENT_GONE, where="message") from None
    async with services.db.session_scope() as session:
        incident = await incidents.declare(
            session,
            config=services.config,
            now=services.clock.now(),
            severity=args.severity,
            title=args.title,
            model=args.model if args.model in services.config.models else None,
            declared_by=body["user"]["id"],
        )
        snap = await incidents.snapshot(session, incident)
    return Answer(services.texts.render("declared_ack.md.j2", snap=snap))


async def resolve_anyway(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    """Resolved although the last verification said not recovered: the person said so."""
    try:
        asked = json.loads(value_of(body))
        incident_id, summary = button_id(str(asked["incident"])), str(asked["summary"])
    except (ValueError, KeyError, TypeError):
        raise UserError(Problem.INCIDENT_GONE, where="message") from None
    async with services.db.session_scope() as session:
        incident = await incident_from(session, str(incident_id), where="message")
        await incidents.resolve(
            session,
            config=services.config,
            directory=services.directory,
            now=services.clock.now(),
            incident=incident,
            user=body["user"]["id"],
            summary=summary,
            despite=True,
        )
    return Answer(services.texts.render("resolved_anyway.md.j2", incident=incident))


def register(app: AsyncApp, services: Services) -> None:
    app.action(ActionId.DECLARE_JOIN)(handler(services, join))
    app.action(ActionId.DECLARE_ANYWAY)(handler(services, declare_anyway))
    app.action(ActionId.RESOLVE_ANYWAY)(handler(services, resolve_anyway))
