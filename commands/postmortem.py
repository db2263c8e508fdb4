"""`/incident postmortem`: the postmortem drafted from the timeline, uploaded to the channel as Markdown."""

from __future__ import annotations

from bot.errors import Problem, UserError
from bot.reports import postmortem
from commands.invocation import Invocation

NAME = "postmortem"
USAGE = "postmortem"
SUMMARY = "draft the postmortem from the timeline (a Markdown file, with the metric chart)"


async def run(inv: Invocation) -> None:
    if inv.args.strip():
        raise UserError(Problem.TAKES_NO_ARGUMENTS, command="postmortem", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        assert incident.id is not None
        await postmortem.request(session, incident_id=incident.id, asked_by=inv.user, now=inv.services.clock.now())
    inv.changed()
    await inv.reply(":page_facing_up: Drafting the postmortem from the timeline; it will be posted here.")
