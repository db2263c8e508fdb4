"""`/incident note [rca] <text>`: a line on the timeline (`rca` marks it for the postmortem's root cause)."""

from __future__ import annotations

from bot import incidents, mrkdwn
from bot.errors import Problem, UserError
from commands.arguments import first_word
from commands.invocation import Invocation

NAME = "note"
USAGE = "note [rca] <text>"
SUMMARY = "add a note to the timeline (`rca` marks a root-cause finding)"


async def run(inv: Invocation) -> None:
    word, rest = first_word(inv.args)
    rca = word.lower() == "rca"
    text = rest if rca else inv.args
    if not text.strip():
        raise UserError(Problem.TEXT_EMPTY, what="note", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        await incidents.add_note(
            session,
            now=inv.services.clock.now(),
            incident=incident,
            user=inv.user,
            text=mrkdwn.from_command(text),
            rca=rca,
        )
    inv.changed()
    await inv.reply()
