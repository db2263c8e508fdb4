"""`/incident action <text> [@owner]`: a follow-up action item for the postmortem."""

from __future__ import annotations

from bot import incidents, mrkdwn
from bot.errors import Problem, UserError
from commands.arguments import user_ref
from commands.invocation import Invocation

NAME = "action"
USAGE = "action <text> [@owner]"
SUMMARY = "record a follow-up action item, optionally with its owner"


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    owner = None
    if words and words[-1].startswith("<@"):
        owner = user_ref(words[-1])
        words = words[:-1]
    text = " ".join(words).strip()
    if not text:
        raise UserError(Problem.USAGE, need="action_item", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        await incidents.add_action_item(
            session,
            now=inv.services.clock.now(),
            incident=incident,
            user=inv.user,
            text=mrkdwn.from_command(text),
            owner=owner,
            config=inv.services.config,
        )
    inv.changed()
    await inv.reply()
