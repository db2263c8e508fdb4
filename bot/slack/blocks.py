"""Block Kit builders: pure functions from domain state (and rendered texts) to blocks and views."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.config import SEVERITIES, Config
from bot.incidents import IncidentSnapshot
from bot.incidents.hypotheses import Hypothesis
from bot.incidents.update_draft import UpdateDraft
from bot.models import AlertGroup, AlertGroupStatus, IncidentStatus
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.labels import label
from bot.texts import Texts

__all__ = [
    "alert_card",
    "as_dicts",
    "declare_modal",
    "dismiss_modal",
    "incident_card",
    "resolve_modal",
    "text_blocks",
    "update_modal",
]

SECTION_LIMIT = 3000


def as_dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [block.to_dict() for block in blocks]


def text_blocks(text: str) -> list[Block]:
    """Long mrkdwn as sections of at most 3,000 characters, split on line ends."""
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        pieces = [line[i : i + SECTION_LIMIT] for i in range(0, len(line), SECTION_LIMIT)] or [line]
        for piece in pieces:
            if len(current) + len(piece) > SECTION_LIMIT:
                chunks.append(current)
                current = ""
            current += piece
    chunks.append(current)
    return [SectionBlock(text=MarkdownTextObject(text=chunk.rstrip())) for chunk in chunks if chunk.strip()]


def incident_card(
    snap: IncidentSnapshot,
    *,
    texts: Texts,
    config: Config,
    contain: tuple[str, ...] = (),
    hypotheses: Sequence[Hypothesis] = (),
) -> list[Block]:
    """`contain`: the containment triage recommends and the platform can do ("rollback", "fallback"): offered as
    buttons, with the same private plan and confirmation as the command. `hypotheses`: the open ones, listed."""
    incident = snap.incident
    context = {"snap": snap, "model_config": config.model(incident.model), "hypotheses": hypotheses}
    blocks: list[Block] = [
        *text_blocks(texts.render("incident_card.md.j2", **context)),
        ContextBlock(elements=[MarkdownTextObject(text=texts.render("incident_card_context.md.j2", **context))]),
    ]
    if incident.status != IncidentStatus.RESOLVED:
        value = str(incident.id)
        buttons = [ButtonElement(text=label("buttons.take_command"), action_id=ActionId.TAKE_COMMAND, value=value)]
        if incident.acknowledged_at is None:
            buttons.append(
                ButtonElement(
                    text=label("buttons.acknowledge"), action_id=ActionId.ACKNOWLEDGE, value=value, style="primary"
                )
            )
        if "rollback" in contain:
            rollback = label("buttons.roll_back", model=incident.model)
            buttons.append(
                ButtonElement(text=rollback, action_id=ActionId.INCIDENT_ROLLBACK, value=value, style="danger")
            )
        if "fallback" in contain:
            buttons.append(
                ButtonElement(
                    text=label("buttons.switch_to_fallback"), action_id=ActionId.INCIDENT_FALLBACK, value=value
                )
            )
        buttons += [
            ButtonElement(text=label("buttons.post_update"), action_id=ActionId.POST_UPDATE, value=value),
            ButtonElement(text=label("buttons.resolve"), action_id=ActionId.RESOLVE, value=value, style="danger"),
        ]
        blocks.append(ActionsBlock(block_id=BlockId.CARD_ACTIONS, elements=buttons))
    return blocks


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


def declare_modal(
    config: Config,
    *,
    origin_channel: str,
    severity: str = "SEV2",
    model: str | None = None,
    title: str = "",
    group_id: int | None = None,
) -> View:
    """The declare form; from an alert card it comes pre-filled and remembers the card."""
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
            BlockId.DESCRIPTION, ActionId.DESCRIPTION, label("declare_form.description"), multiline=True, optional=True
        ),
    ]
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


def resolve_modal(snap: IncidentSnapshot) -> View:
    incident = snap.incident
    return View(
        type="modal",
        callback_id=CallbackId.RESOLVE,
        title=label("resolve_form.title", incident=incident.id)[:24],
        submit=label("resolve_form.submit"),
        close=label("resolve_form.close"),
        private_metadata=str(incident.id),
        blocks=[
            SectionBlock(text=PlainTextObject(text=label("resolve_form.context", severity=incident.severity))),
            _text_input(
                BlockId.SUMMARY,
                ActionId.SUMMARY,
                label("resolve_form.summary"),
                multiline=True,
                max_length=2900,
            ),
        ],
    )


def alert_card(
    group: AlertGroup,
    *,
    texts: Texts,
    links: list[tuple[str, str]],
    channel_id: str | None,
    auto: bool,
    rollback: bool = False,
    unknown: bool = False,
    done: list[dict[str, Any]] | None = None,
    over: dict[str, Any] | None = None,
) -> list[Block]:
    """`rollback`: a recent deploy is the suspect and the model's platform can roll back: offer the button.
    `unknown`: the model is not in sevbot.yml (or the alerts name none): the card says what to add."""
    blocks: list[Block] = text_blocks(
        texts.render(
            "alert_card.md.j2",
            g=group,
            links=links,
            channel_id=channel_id,
            auto=auto,
            unknown=unknown,
            done=done or [],
            over=over,
        )
    )
    if group.status in (AlertGroupStatus.OPEN, AlertGroupStatus.ACKNOWLEDGED):
        value = str(group.id)
        buttons = [
            ButtonElement(
                text=label("buttons.declare_severity", severity=group.severity),
                action_id=ActionId.ALERT_DECLARE,
                value=value,
                style="primary",
            )
        ]
        if group.status == AlertGroupStatus.OPEN:
            buttons.append(
                ButtonElement(text=label("buttons.acknowledge"), action_id=ActionId.ALERT_ACKNOWLEDGE, value=value)
            )
        buttons.append(
            ButtonElement(text=label("buttons.dismiss_as_noise"), action_id=ActionId.ALERT_DISMISS, value=value)
        )
        if rollback:
            buttons.append(_rollback_button(group))
        blocks.append(ActionsBlock(block_id=f"alert_{group.id}", elements=buttons))
    elif rollback and group.status == AlertGroupStatus.DECLARED:
        blocks.append(ActionsBlock(block_id=f"alert_{group.id}", elements=[_rollback_button(group)]))
    return blocks


def _rollback_button(group: AlertGroup) -> ButtonElement:
    return ButtonElement(
        text=label("buttons.roll_back", model=group.model),
        action_id=ActionId.ALERT_ROLLBACK,
        value=str(group.id),
        style="danger",
    )


def action_plan(text: str, action_id: int | None, *, confirm: str | None = None) -> list[Block]:
    """The plan of a containment action with Confirm / Cancel (none when it cannot be done)."""
    blocks: list[Block] = text_blocks(text)
    if action_id is not None:
        value = str(action_id)
        blocks.append(
            ActionsBlock(
                block_id=f"action_{action_id}",
                elements=[
                    ButtonElement(
                        text=confirm or label("buttons.confirm"),
                        action_id=ActionId.ACTION_CONFIRM,
                        value=value,
                        style="danger",
                    ),
                    ButtonElement(text=label("buttons.cancel"), action_id=ActionId.ACTION_CANCEL, value=value),
                ],
            )
        )
    return blocks


def action_choices(text: str, action_id: int, versions: list[str]) -> list[Block]:
    """The registry's candidates as buttons (each leads to the usual plan), and Cancel."""
    buttons = [
        ButtonElement(
            text=label("buttons.roll_back_to", version=v),
            action_id=f"{ActionId.ACTION_PICK}_{n}",
            value=f"{action_id}:{v}",
        )
        for n, v in enumerate(versions)
    ]
    buttons.append(ButtonElement(text=label("buttons.cancel"), action_id=ActionId.ACTION_CANCEL, value=str(action_id)))
    return [*text_blocks(text), ActionsBlock(block_id=f"choose_{action_id}", elements=buttons)]


def reminder(text: str, incident_id: int, snooze_minutes: tuple[int, ...]) -> list[Block]:
    """An update nudge: Post update (the pre-filled form) and Snooze buttons."""
    value = str(incident_id)
    buttons = [
        ButtonElement(text=label("buttons.post_update"), action_id=ActionId.POST_UPDATE, value=value, style="primary")
    ]
    buttons += [
        ButtonElement(
            text=label("buttons.snooze", minutes=m), action_id=f"{ActionId.SNOOZE}_{m}", value=f"{incident_id}:{m}"
        )
        for m in snooze_minutes
    ]
    return [*text_blocks(text), ActionsBlock(block_id=f"reminder_{incident_id}", elements=buttons)]


def resolution(text: str, incident_id: int, *, drafted: str | None = None) -> list[Block]:
    """The resolution notice, offering the postmortem; once a draft is uploaded, saying so and offering a redraft."""
    offer = label("buttons.redraft_postmortem" if drafted else "buttons.write_postmortem")
    button = ButtonElement(text=offer, action_id=ActionId.POSTMORTEM, value=str(incident_id))
    blocks: list[Block] = [*text_blocks(text)]
    if drafted:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=drafted[:3000])]))
    return [*blocks, ActionsBlock(block_id=f"resolved_{incident_id}", elements=[button])]


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
