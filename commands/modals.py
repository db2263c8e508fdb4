"""Form submissions: declare, post update, resolve. A refused value is shown under its field; nothing changes."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.views import View

from bot import containment, incidents, mrkdwn, runbook
from bot.alerts import groups
from bot.containment import ActionKind
from bot.containment.target import containment_done
from bot.errors import Problem, UserError
from bot.models import Incident
from bot.runtime.services import Services
from bot.slack.forms import declare_modal
from bot.slack.ids import ActionId, BlockId, CallbackId
from commands.contain import answer, start
from commands.interactions import button_id, record_refusal

__all__ = ["register"]

log = logging.getLogger(__name__)

Submission = Callable[[Services, str, dict[str, Any]], Awaitable[None]]


class FormAgain(Exception):
    """The form is shown again, as filled in, with something to decide (`view`)."""

    def __init__(self, view: View) -> None:
        super().__init__("the form comes back with a question")
        self.view = view


class FieldError(UserError):
    """A form field that cannot be taken: said under that field."""

    def __init__(self, block: BlockId, problem: Problem, **values: Any) -> None:
        super().__init__(problem, **values)
        self.block = block


def _value(values: dict[str, Any], block: BlockId, action: ActionId) -> str:
    state = values.get(block, {}).get(action, {})
    if "selected_option" in state:
        return str((state["selected_option"] or {}).get("value", ""))
    return str(state.get("value") or "")


def _ticked(values: dict[str, Any]) -> bool:
    """Whether the form's "all the same" box (`forms._despite`) is ticked."""
    return bool(values.get(BlockId.DESPITE, {}).get(ActionId.DESPITE, {}).get("selected_options"))


async def _incident(services: Services, session: Any, view: dict[str, Any]) -> Incident:
    raw = view.get("private_metadata", "")
    incident = await session.get(Incident, button_id(raw)) if button_id(raw) else None
    if incident is None:
        raise UserError(Problem.INCIDENT_GONE, where="form")
    assert isinstance(incident, Incident)
    return incident


async def submit_declare(services: Services, user: str, view: dict[str, Any]) -> None:
    values = view["state"]["values"]
    title = _value(values, BlockId.TITLE, ActionId.TITLE).strip()
    if not title:
        raise FieldError(BlockId.TITLE, Problem.FORM_TITLE)
    metadata = json.loads(view.get("private_metadata") or "{}")
    model = _value(values, BlockId.MODEL, ActionId.MODEL) or None
    severity = _value(values, BlockId.SEVERITY, ActionId.SEVERITY) or "SEV2"
    description = _value(values, BlockId.DESCRIPTION, ActionId.DESCRIPTION)
    anyway = _ticked(values)
    async with services.db.session_scope() as session:
        group = await groups.get_group(session, int(metadata["group"])) if metadata.get("group") else None
        already = await incidents.open_for(session, model) if model and group is None and not anyway else None
        if already is not None:  # the same problem, most likely: the form comes back asking
            question = UserError(
                Problem.ALREADY_OPEN,
                incident=already.id,
                model=already.model,
                severity=already.severity,
                channel=already.channel_id,
            )
            raise FormAgain(
                declare_modal(
                    services.config,
                    origin_channel=str(metadata.get("origin") or ""),
                    severity=severity,
                    model=model,
                    title=title,
                    description=description,
                    already_open=services.texts.problem(question),
                )
            )
        incident = await incidents.declare(
            session,
            config=services.config,
            now=services.clock.now(),
            declared_by=user,
            severity=severity,
            model=model,
            title=mrkdwn.escape(title),
            description=mrkdwn.escape(description),
        )
        if group is not None:
            await groups.declared_from_group(session, group=group, incident=incident, now=services.clock.now())


async def submit_update(services: Services, user: str, view: dict[str, Any]) -> None:
    values = view["state"]["values"]
    text = _value(values, BlockId.TEXT, ActionId.TEXT).strip()
    if not text:
        raise FieldError(BlockId.TEXT, Problem.FORM_UPDATE)
    async with services.db.session_scope() as session:
        incident = await _incident(services, session, view)
        await incidents.post_update(
            session,
            config=services.config,
            now=services.clock.now(),
            incident=incident,
            user=user,
            text=mrkdwn.escape(text),
            impact=mrkdwn.escape(_value(values, BlockId.IMPACT, ActionId.IMPACT)),
            scope=mrkdwn.escape(_value(values, BlockId.SCOPE, ActionId.SCOPE)),
            mitigation=mrkdwn.escape(_value(values, BlockId.MITIGATION, ActionId.MITIGATION)),
            contained=await containment_done(session, incident),  # said when the field is left empty
        )


async def submit_resolve(services: Services, user: str, view: dict[str, Any]) -> None:
    summary = _value(view["state"]["values"], BlockId.SUMMARY, ActionId.SUMMARY).strip()
    if not summary:
        raise FieldError(BlockId.SUMMARY, Problem.FORM_SUMMARY)
    values = view["state"]["values"]
    despite = _ticked(values)
    try:
        async with services.db.session_scope() as session:
            incident = await _incident(services, session, view)
            await incidents.resolve(
                session,
                config=services.config,
                directory=services.directory,
                now=services.clock.now(),
                incident=incident,
                user=user,
                summary=mrkdwn.escape(summary),
                despite=despite,
            )
    except UserError as exc:  # said under the box to tick (or the summary, if a verification came since)
        if exc.problem != Problem.NOT_RECOVERED:
            raise
        asked = BlockId.DESPITE if BlockId.DESPITE in values else BlockId.SUMMARY
        raise FieldError(asked, exc.problem, **exc.values) from None


async def submit_dismiss(services: Services, user: str, view: dict[str, Any]) -> None:
    reason = _value(view["state"]["values"], BlockId.REASON, ActionId.REASON).strip()
    if not reason:
        raise FieldError(BlockId.REASON, Problem.FORM_REASON)
    raw = view.get("private_metadata", "")
    async with services.db.session_scope() as session:
        group = await groups.get_group(session, button_id(raw))
        await groups.dismiss_group(
            session, group=group, user=user, reason=mrkdwn.escape(reason), now=services.clock.now()
        )


async def submit_cancel_countdown(services: Services, user: str, view: dict[str, Any]) -> None:
    why = _value(view["state"]["values"], BlockId.REASON, ActionId.REASON).strip()
    if not why:
        raise FieldError(BlockId.REASON, Problem.FORM_CANCEL_WHY)
    async with services.db.session_scope() as session:
        cancelled = await containment.cancel(
            session,
            config=services.config,
            directory=services.directory,
            action_id=button_id(view.get("private_metadata", "")),
            user=user,
            now=services.clock.now(),
            why=mrkdwn.escape(why),
        )
    if isinstance(cancelled, containment.Refused):  # recorded above; said under the form
        raise cancelled


async def submit_runbook_input(services: Services, user: str, view: dict[str, Any]) -> None:
    """The input checked against the action's pattern (said under the field), then the request as `/incident run`;
    its plan comes privately in the incident's channel."""
    number, _, name = str(view.get("private_metadata", "")).partition(":")
    async with services.db.session_scope() as session:
        incident = await _incident(services, session, {"private_metadata": number})
        incidents.check_open(incident)
    declared = runbook.runbook_action(services.config, incident.model or "", name)
    given = _value(view["state"]["values"], BlockId.RUNBOOK_INPUT, ActionId.RUNBOOK_INPUT)
    try:
        checked = runbook.check_input(name, declared, given)
    except UserError as exc:
        raise FieldError(BlockId.RUNBOOK_INPUT, exc.problem, **exc.values) from None
    asked = await start(
        services,
        model=incident.model or "",
        kind=ActionKind.RUN,
        user=user,
        channel=incident.channel_id or "",
        params={"action": name, "input": checked},
    )
    answer(services, asked)  # a refusal is raised, and said under the form


def _handler(services: Services, work: Submission, default_block: BlockId) -> Callable[..., Awaitable[None]]:
    async def handle(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            await work(services, body["user"]["id"], view)
        except FieldError as exc:
            await ack(response_action="errors", errors={exc.block: mrkdwn.plain(services.texts.problem(exc))})
            return
        except FormAgain as again:
            await ack(response_action="update", view=again.view)
            return
        except UserError as exc:
            await ack(response_action="errors", errors={default_block: mrkdwn.plain(services.texts.problem(exc))})
            await record_refusal(services, exc)
            return
        except Exception:  # said under the form and logged: Slack gets an answer, never a 500
            log.exception("form submission failed")
            await ack(response_action="errors", errors={default_block: "Something went wrong on sevbot's side."})
            return
        await ack()
        services.dispatcher.wake()

    return handle


def register(app: AsyncApp, services: Services) -> None:
    app.view(CallbackId.DECLARE)(_handler(services, submit_declare, BlockId.TITLE))
    app.view(CallbackId.UPDATE)(_handler(services, submit_update, BlockId.TEXT))
    app.view(CallbackId.RESOLVE)(_handler(services, submit_resolve, BlockId.SUMMARY))
    app.view(CallbackId.DISMISS)(_handler(services, submit_dismiss, BlockId.REASON))
    app.view(CallbackId.CANCEL_COUNTDOWN)(_handler(services, submit_cancel_countdown, BlockId.REASON))
    app.view(CallbackId.RUNBOOK_INPUT)(_handler(services, submit_runbook_input, BlockId.RUNBOOK_INPUT))
