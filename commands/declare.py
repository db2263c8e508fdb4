"""`/incident declare <sev1..sev4> [model] <title>`; with no arguments, a form."""

from __future__ import annotations

import logging
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field
from slack_sdk.errors import SlackApiError

from bot import incidents, mrkdwn, world
from bot.config import SEVERITIES
from bot.errors import Problem, UserError
from bot.slack.blocks import already_open, as_dicts
from bot.slack.forms import declare_modal
from commands.arguments import first_word, parse
from commands.invocation import Invocation

NAME = "declare"
USAGE = "declare <sev1|sev2|sev3|sev4> [model] <title>"
SUMMARY = "open an incident and its channel (no arguments: a form)"

log = logging.getLogger(__name__)


def _severity(value: object) -> str:
    text = str(value).upper()
    if text not in SEVERITIES:
        raise ValueError(f"`{value}` is not a severity: use sev1, sev2, sev3 or sev4")
    return text


class DeclareArgs(BaseModel):
    severity: Annotated[str, BeforeValidator(_severity)]
    model: str | None = None
    title: str = Field(min_length=1, max_length=300)


async def run(inv: Invocation) -> None:
    config = inv.services.config
    async with inv.services.db.session_scope() as session:  # a drill's channel declares nothing real, by form or words
        (await world.of_channel(session, inv.channel, drills_dir=config.drills_dir)).check_reaches("declare")
    if not inv.args.strip():
        await inv.reply()
        inv.services.follow_ups.start(_open_form(inv), what="opening the declare form")
        return
    severity, rest = first_word(inv.args)
    word, after_model = first_word(rest)
    model = word if word in config.models else None
    title = after_model if model else rest
    if not title.strip():
        await inv.error(UserError(Problem.TITLE_NEEDED), USAGE)
        return
    args = parse(DeclareArgs, severity=severity, model=model, title=mrkdwn.from_command(title.strip()))
    async with inv.services.db.session_scope() as session:
        already = await incidents.open_for(session, args.model) if args.model else None
        if already is not None:  # the same problem, most likely: asked first, privately
            question = inv.services.texts.problem(
                UserError(
                    Problem.ALREADY_OPEN,
                    incident=already.id,
                    model=already.model,
                    severity=already.severity,
                    channel=already.channel_id,
                )
            )
            await inv.reply_blocks(question, as_dicts(already_open(question, already.id, args.model_dump_json())))  # type: ignore[arg-type]
            return
        incident = await incidents.declare(
            session,
            config=config,
            now=inv.services.clock.now(),
            severity=args.severity,
            title=args.title,
            model=args.model,
            declared_by=inv.user,
        )
        snap = await incidents.snapshot(session, incident)
    inv.changed()
    await inv.reply(inv.render("declared_ack.md.j2", snap=snap))


async def _open_form(inv: Invocation) -> None:
    """After the ack: the form, or, if Slack will not open it, a private word on how to declare without it."""
    try:
        await inv.client.views_open(
            trigger_id=inv.trigger_id, view=declare_modal(inv.services.config, origin_channel=inv.channel)
        )
    except SlackApiError as exc:
        log.warning("could not open the declare form: %s", exc.response.get("error"))
        await inv.client.chat_postEphemeral(
            channel=inv.channel,
            user=inv.user,
            text=inv.services.texts.error(UserError(Problem.FORM_WOULD_NOT_OPEN), usage=USAGE),
        )
