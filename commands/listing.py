"""`/incident list`: the open incidents, anywhere."""

from __future__ import annotations

from bot import incidents
from bot.errors import Problem, UserError
from commands.invocation import Invocation

NAME = "list"
USAGE = "list"
SUMMARY = "the open incidents (works in any channel)"


async def run(inv: Invocation) -> None:
    if inv.args.strip():
        raise UserError(Problem.TAKES_NO_ARGUMENTS, command="list", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        items, total = await incidents.open_snapshots(session)
    await inv.reply(inv.render("incident_list.md.j2", items=items, total=total, now=inv.services.clock.now()))
