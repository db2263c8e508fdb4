"""The forms (Slack modals): declare, post an update (drafted from the records), resolve, dismiss an alert as noise.
Their labels and copy come from `templates/labels.yml`."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import mrkdwn
from bot.config import SEVERITIES, Config, RunbookAction
from bot.incidents import IncidentSnapshot
from bot.incidents.update_draft import UpdateDraft
from bot.models import AlertGroup
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.labels import label

__all__ = ["declare_modal", "dismiss_modal", "resolve_modal", "runbook_input_modal", "update_modal"]


def _text_input(
    block_id: BlockId,
    action_id: ActionId,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = False,
    max_length: int = 3000,
    placeholder: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=PlainTextInputElement(
            action_id=action_id,
            multiline=multiline,
            max_length=max_length,
            initial_value=initial or None,
            placeholder=placeholder,
        ),
    )


def _despite(said: str, question: str, yes: str) -> list[Block]:
    """What stands in the way, said, and a box to go ahead all the same (the submission reads `BlockId.DESPITE`)."""
    return [
        SectionBlock(text=MarkdownTextObject(text=said[:3000])),
        InputBlock(
            block_id=BlockId.DESPITE,
            label=question,
            optional=True,
            element=CheckboxesElement(action_id=ActionId.DESPITE, options=[Option(value="yes", label=yes)]),
        ),
    ]


def declare_modal(
    config: Config,
    *,
    origin_channel: str,
    severity: str = "SEV2",
    model: str | None = None,
    title: str = "",
    description: str = "",
    group_id: int | None = None,
    already_open: str | None = None,
) -> View:
    """The declare form; from an alert card it comes pre-filled and remembers the card. `already_open`: the model
    has an open incident (that, in words): the form comes back saying so, as filled in, with a box to declare anyway."""
    severities = [Option(value=s, label=s) for s in SEVERITIES]
    models = [Option(value=name, label=name) for name in sorted(config.models)][:100]
    blocks: list[Block] = [
        InputBlock(
            block_id=BlockId.SEVERITY,
            label=label("declare_form.severity"),
            element=StaticSelectElement(
                action_id=ActionId.SEVERITY,
                options=severities,
                initial_option=next(o for o in severities if o.value == severity),
            ),
        ),
    ]
    if config.models:
        blocks.append(
            InputBlock(
                block_id=BlockId.MODEL,
                label=label("declare_form.model"),
                optional=True,
                element=StaticSelectElement(
                    action_id=ActionId.MODEL,
                    placeholder=label("declare_form.model_placeholder"),
                    options=models,
                    initial_option=next((o for o in models if o.value == model), None),
                ),
            )
        )
    blocks += [
        _text_input(
            BlockId.TITLE,
            ActionId.TITLE,
            label("declare_form.incident_title"),
            max_length=300,
            initial=title,
            placeholder=label("declare_form.title_placeholder"),
        ),
        _text_input(
            BlockId.DESCRIPTION,
            ActionId.DESCRIPTION,
            label("declare_form.description"),
            multiline=True,
            optional=True,
            initial=description,
        ),
    ]
    if already_open:
        blocks += _despite(already_open, label("declare_form.anyway_label"), label("buttons.declare_anyway"))
    return View(
        type="modal",
        callback_id=CallbackId.DECLARE,
        title=label("declare_form.title"),
        submit=label("declare_form.submit"),
        close=label("declare_form.close"),
        private_metadata=json.dumps({"origin": origin_channel, "group": group_id}),
        blocks=blocks,
    )


def update_modal(snap: IncidentSnapshot, *, draft: UpdateDraft | None = None) -> View:
    """The communication template's fields, drafted (`bot.incidents.update_draft`): the top line says the owner, the
    start of impact and when the next update is due; "What changed" starts from the hypotheses tried and the
    verification; scope and mitigation from what was written, else from the alerts and the containment run."""
    incident = snap.incident
    title = f"*{incident.severity} · INC-{incident.id}* — status {incident.status}"
    return View(
        type="modal",
        callback_id=CallbackId.UPDATE,
        title=label("update_form.title"),
        submit=label("update_form.submit"),
        close=label("update_form.close"),
        private_metadata=str(incident.id),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=draft.context if draft else title)),
            _text_input(
                BlockId.TEXT,
                ActionId.TEXT,
                label("update_form.what_changed"),
                initial=draft.text if draft else "",
                multiline=True,
                max_length=2900,
            ),
            _text_input(
                BlockId.IMPACT,
                ActionId.IMPACT,
                label("update_form.impact"),
                initial=incident.impact,
                optional=True,
                max_length=1000,
            ),
            _text_input(
                BlockId.SCOPE,
                ActionId.SCOPE,
                label("update_form.scope"),
                initial=incident.scope or (draft.scope[:1000] if draft else ""),
                optional=True,
                max_length=1000,
            ),
            _text_input(
                BlockId.MITIGATION,
                ActionId.MITIGATION,
                label("update_form.mitigation"),
                initial=draft.mitigation if draft else incident.mitigation,
                optional=True,
                max_length=1000,
            ),
        ],
    )


def resolve_modal(snap: IncidentSnapshot, *, not_recovered: str | None = None) -> View:
    """The resolution form; when the last verification said not recovered (`not_recovered`: that, in words), the
    form says so and resolving needs the box ticked."""
    incident = snap.incident
    blocks: list[Block] = [
        SectionBlock(text=PlainTextObject(text=label("resolve_form.context", severity=incident.severity))),
        _text_input(
            BlockId.SUMMARY,
            ActionId.SUMMARY,
            label("resolve_form.summary"),
            multiline=True,
            max_length=2900,
        ),
    ]
    if not_recovered:
        blocks += _despite(not_recovered, label("resolve_form.despite_label"), label("resolve_form.despite"))
    return View(
        type="modal",
        callback_id=CallbackId.RESOLVE,
        title=label("resolve_form.title", incident=incident.id)[:24],
        submit=label("resolve_form.submit"),
        close=label("resolve_form.close"),
        private_metadata=str(incident.id),
        blocks=blocks,
    )


def dismiss_modal(group: AlertGroup) -> View:
    return View(
        type="modal",
        callback_id=CallbackId.DISMISS,
        title=label("dismiss_form.title"),
        submit=label("dismiss_form.submit"),
        close=label("dismiss_form.close"),
        private_metadata=str(group.id),
        blocks=[
            _text_input(
                BlockId.REASON,
                ActionId.REASON,
                label("dismiss_form.reason"),
                multiline=True,
                max_length=1000,
                placeholder=label("dismiss_form.reason_placeholder"),
            ),
        ],
    )


def runbook_input_modal(incident_id: int, name: str, action: RunbookAction) -> View:
    """The input a runbook action asks for (`input:` in sevbot.yml), before its plan; checked on submit."""
    assert action.input is not None
    return View(
        type="modal",
        callback_id=CallbackId.RUNBOOK_INPUT,
        title=label("runbook_form.title")[:24],
        submit=label("runbook_form.submit"),
        close=label("runbook_form.close"),
        private_metadata=f"{incident_id}:{name}",
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"*{mrkdwn.escape(action.title)}*")),
            _text_input(
                BlockId.RUNBOOK_INPUT,
                ActionId.RUNBOOK_INPUT,
                action.input.label,
                max_length=200,
                placeholder=action.input.placeholder,
            ),
        ],
    )


def cancel_countdown_modal(action_id: int) -> View:
    return View(
        type="modal",
        callback_id=CallbackId.CANCEL_COUNTDOWN,
        title=label("cancel_countdown_form.title")[:24],
        submit=label("cancel_countdown_form.submit"),
        close=label("cancel_countdown_form.close"),
        private_metadata=str(action_id),
        blocks=[
            _text_input(
                BlockId.REASON,
                ActionId.REASON,
                label("cancel_countdown_form.reason"),
                multiline=True,
                max_length=500,
                placeholder=label("cancel_countdown_form.reason_placeholder"),
            ),
        ],
    )
