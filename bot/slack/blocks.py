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
    MarkdownTextObject,
    SectionBlock,
)

from bot.config import Config, ModelConfig
from bot.incidents import IncidentSnapshot
from bot.incidents.hypotheses import Hypothesis
from bot.models import AlertGroup, AlertGroupStatus, IncidentStatus
from bot.slack.ids import ActionId, BlockId
from bot.slack.labels import label
from bot.texts import Texts

__all__ = [
    "action_choices",
    "action_plan",
    "alert_card",
    "as_dicts",
    "incident_card",
    "reminder",
    "resolution",
    "text_blocks",
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


def slo_names(model: ModelConfig | None) -> dict[str, str]:
    """Each SLO's display name (`name: mAP`), by its metric: what the triage lines call the metric."""
    return {metric: slo.name for metric, slo in (model.slos.items() if model else ()) if slo.name}


def incident_card(
    snap: IncidentSnapshot,
    *,
    texts: Texts,
    config: Config,
    contain: tuple[str, ...] = (),
    hypotheses: Sequence[Hypothesis] = (),
    similar: Sequence[dict[str, Any]] = (),
) -> list[Block]:
    """`contain`: the containment triage recommends and the platform can do ("rollback", "fallback"): offered as
    buttons, with the same private plan and confirmation as the command. `hypotheses`: the open ones, listed.
    `similar`: past incidents most like this one (`bot.memory`): two on the card, the rest behind a button."""
    incident = snap.incident
    model_config = config.model(incident.model)
    context = {
        "snap": snap,
        "model_config": model_config,
        "hypotheses": hypotheses,
        "slo_names": slo_names(model_config),
        "similar": similar,
    }
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
        if "scale" in contain:
            scale = label("buttons.scale_out", model=incident.model)
            buttons.append(ButtonElement(text=scale, action_id=ActionId.INCIDENT_SCALE, value=value))
        if "restart" in contain:
            restart = label("buttons.restart", model=incident.model)
            buttons.append(ButtonElement(text=restart, action_id=ActionId.INCIDENT_RESTART, value=value))
        kind = (incident.triage or {}).get("kind")
        for name, runbook in (model_config.actions if model_config else {}).items():
            if kind in runbook.kinds and len(buttons) < 20:  # it fits this type; one that asks opens its form
                asks = runbook.input is not None
                run = label("buttons.run_action_asks" if asks else "buttons.run_action", title=runbook.title)
                click = ActionId.INCIDENT_RUNBOOK_INPUT if asks else ActionId.INCIDENT_RUNBOOK
                buttons.append(ButtonElement(text=run, action_id=click, value=f"{value}:{name}"))
        if len(similar) > 2:
            more = label("buttons.more_like_this", n=len(similar))
            buttons.append(ButtonElement(text=more, action_id=ActionId.SIMILAR_MORE, value=value))
        buttons += [
            ButtonElement(text=label("buttons.post_update"), action_id=ActionId.POST_UPDATE, value=value),
            ButtonElement(text=label("buttons.resolve"), action_id=ActionId.RESOLVE, value=value, style="danger"),
        ]
        blocks.append(ActionsBlock(block_id=BlockId.CARD_ACTIONS, elements=buttons))
    return blocks


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
    slo_names: dict[str, str] | None = None,
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
            slo_names=slo_names or {},
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


def already_open(text: str, incident_id: int, declare: str) -> list[Block]:
    """A model's incident is open: join it (the usual answer), or declare a new one (`declare`: the command's
    arguments, to declare with when clicked)."""
    buttons = [
        ButtonElement(
            text=label("buttons.join_incident", incident=incident_id),
            action_id=ActionId.DECLARE_JOIN,
            value=str(incident_id),
            style="primary",
        ),
        ButtonElement(text=label("buttons.declare_anyway"), action_id=ActionId.DECLARE_ANYWAY, value=declare[:2000]),
    ]
    return [*text_blocks(text), ActionsBlock(block_id=f"already_open_{incident_id}", elements=buttons)]


def resolve_anyway(text: str, incident_id: int, summary: str) -> list[Block]:
    """The last verification said not recovered: resolve all the same (with the summary given), or leave it open."""
    button = ButtonElement(
        text=label("buttons.resolve_anyway"),
        action_id=ActionId.RESOLVE_ANYWAY,
        value=json.dumps({"incident": incident_id, "summary": summary})[:2000],
        style="danger",
    )
    return [*text_blocks(text), ActionsBlock(block_id=f"resolve_anyway_{incident_id}", elements=[button])]


def countdown(text: str, action_id: int) -> list[Block]:
    """sevbot's own action counting down: *Do it now* (its Confirm) and *Cancel…* (which asks why)."""
    value = str(action_id)
    buttons = [
        ButtonElement(text=label("buttons.act_now"), action_id=ActionId.ACTION_CONFIRM, value=value, style="danger"),
        ButtonElement(text=label("buttons.cancel_countdown"), action_id=ActionId.COUNTDOWN_CANCEL, value=value),
    ]
    return [*text_blocks(text), ActionsBlock(block_id=f"countdown_{action_id}", elements=buttons)]
