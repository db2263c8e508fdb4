"""Buttons on the incident card: "I'll be commander", "Acknowledge", "Post update" (form), "Resolve" (form).
The card is re-rendered in place by the outbox, so the message the button sits on shows the change."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import incidents, runbook
from bot.access import check_undo
from bot.containment import ActionKind
from bot.errors import Problem, UserError
from bot.incidents import update_draft
from bot.models import IncidentMemory
from bot.runtime.services import Services
from bot.slack.forms import resolve_modal, runbook_input_modal, update_modal
from bot.slack.ids import ActionId
from commands.contain import answer, start
from commands.interactions import Answer, handler, incident_from, value_of

__all__ = ["register"]


async def take_command(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    async with services.db.session_scope() as session:
        incident = await incident_from(session, value_of(body))
        await incidents.take_command(
            session,
            config=services.config,
            directory=services.directory,
            now=services.clock.now(),
            incident=incident,
            user=body["user"]["id"],
        )


async def acknowledge(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    async with services.db.session_scope() as session:
        incident = await incident_from(session, value_of(body))
        await incidents.acknowledge(session, now=services.clock.now(), incident=incident, user=body["user"]["id"])


async def open_update_form(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    """The form opens on the playbook's checklist, drafted from the records (`bot.incidents.update_draft`)."""
    async with services.db.session_scope() as session:
        incident = await incident_from(session, value_of(body))
        incidents.check_open(incident)
        snap = await incidents.snapshot(session, incident)
        people = {p for p in (snap.commander, *await update_draft.people(session, incident)) if p}
    names = {p: await services.publisher.poster.user_name(p) for p in sorted(people)}  # cached; not in a transaction
    async with services.db.session_scope() as session:
        drafted = await update_draft.draft(
            session,
            incident=incident,
            config=services.config,
            texts=services.texts,
            now=services.clock.now(),
            commander=snap.commander,
            names=names,
        )
    view = update_modal(snap, draft=drafted)
    await client.views_open(trigger_id=body["trigger_id"], view=view)


async def open_resolve_form(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    async with services.db.session_scope() as session:
        incident = await incident_from(session, value_of(body))
        incidents.check_open(incident)
        await check_undo(  # refused at the click, not after the form is filled in (the form checks again)
            session,
            config=services.config,
            directory=services.directory,
            incident=incident,
            user=body["user"]["id"],
            step="resolve",
        )
        snap = await incidents.snapshot(session, incident)
        unrecovered = await incidents.not_recovered(session, incident)
    said = services.texts.problem(incidents.unrecovered(incident, unrecovered)) if unrecovered else None
    await client.views_open(trigger_id=body["trigger_id"], view=resolve_modal(snap, not_recovered=said))


async def _contain(services: Services, body: dict[str, Any], kind: ActionKind, params: dict[str, Any]) -> Answer:
    async with services.db.session_scope() as session:
        incident = await incident_from(session, value_of(body))
    if not incident.model:
        raise UserError(Problem.NO_MODEL_NAMED, where="incident", incident=incident.id)
    asked = await start(
        services,
        model=incident.model,
        kind=kind,
        user=body["user"]["id"],
        channel=incident.channel_id or body["channel"]["id"],
        params=params,
        from_card=True,
    )
    return Answer(answer(services, asked), replace=False)


async def roll_back(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    return await _contain(services, body, ActionKind.ROLLBACK, {})


async def fall_back(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    return await _contain(services, body, ActionKind.FALLBACK, {"on": True})


async def scale_out(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    return await _contain(services, body, ActionKind.SCALE, {})  # twice what serves now, planned first


async def restart(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    return await _contain(services, body, ActionKind.RESTART, {})


async def run_runbook(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    """A runbook action's button on the card (one that takes no input): its plan, privately, as `/incident run`."""
    number, _, name = value_of(body).partition(":")
    async with services.db.session_scope() as session:
        incident = await incident_from(session, number)
    if not incident.model:
        raise UserError(Problem.NO_MODEL_NAMED, where="incident", incident=incident.id)
    runbook.check_input(name, runbook.runbook_action(services.config, incident.model, name), None)
    asked = await start(
        services,
        model=incident.model,
        kind=ActionKind.RUN,
        user=body["user"]["id"],
        channel=incident.channel_id or body["channel"]["id"],
        params={"action": name},
    )
    return Answer(answer(services, asked), replace=False)


async def open_runbook_form(services: Services, body: dict[str, Any], client: AsyncWebClient) -> None:
    """A runbook action that asks for input: its form first (the plan follows the submission)."""
    number, _, name = value_of(body).partition(":")
    async with services.db.session_scope() as session:
        incident = await incident_from(session, number)
        incidents.check_open(incident)
    declared = runbook.runbook_action(services.config, incident.model or "", name)
    assert incident.id is not None
    await client.views_open(trigger_id=body["trigger_id"], view=runbook_input_modal(incident.id, name, declared))


async def more_like_this(services: Services, body: dict[str, Any], client: AsyncWebClient) -> Answer:
    """Every similar past incident, privately (the card shows two)."""
    async with services.db.session_scope() as session:
        incident = await incident_from(session, value_of(body))
        memory = await session.get(IncidentMemory, incident.id)
    similar = list(memory.similar) if memory is not None else []
    return Answer(services.texts.render("similar_list.md.j2", i=incident, similar=similar), replace=False)


def register(app: AsyncApp, services: Services) -> None:
    app.action(ActionId.SIMILAR_MORE)(handler(services, more_like_this))
    app.action(ActionId.INCIDENT_RUNBOOK)(handler(services, run_runbook))
    app.action(ActionId.INCIDENT_RUNBOOK_INPUT)(handler(services, open_runbook_form, ack_first=True))
    app.action(ActionId.INCIDENT_ROLLBACK)(handler(services, roll_back))
    app.action(ActionId.INCIDENT_FALLBACK)(handler(services, fall_back))
    app.action(ActionId.INCIDENT_SCALE)(handler(services, scale_out))
    app.action(ActionId.INCIDENT_RESTART)(handler(services, restart))
    app.action(ActionId.TAKE_COMMAND)(handler(services, take_command))
    app.action(ActionId.ACKNOWLEDGE)(handler(services, acknowledge))
    app.action(ActionId.POST_UPDATE)(handler(services, open_update_form, ack_first=True))  # views.open: Slack
    app.action(ActionId.RESOLVE)(handler(services, open_resolve_form, ack_first=True))
