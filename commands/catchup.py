"""`/incident catchup`: privately, what happened so far in this channel's incident, for whoever just joined."""

from __future__ import annotations

from bot.errors import Problem, UserError
from bot.memory.catchup import catchup
from commands.invocation import Invocation

NAME = "catchup"
USAGE = "catchup"
SUMMARY = "privately: what happened so far, in under 15 lines (for whoever just joined)"


async def run(inv: Invocation) -> None:
    if inv.args.strip():
        raise UserError(Problem.USAGE, need="catchup", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        found = await catchup(session, incident)
    await inv.reply(inv.render("catchup.md.j2", c=found, now=inv.services.clock.now(), joined=False))
