"""`/incident status [investigating|identified|monitoring]`: show the incident, or move its status."""

from __future__ import annotations

from bot import incidents
from bot.errors import Problem, UserError
from commands.invocation import Invocation

NAME = "status"
USAGE = "status [investigating|identified|monitoring]"
SUMMARY = "show the incident's state, or set its status"


async def run(inv: Invocation) -> None:
    wanted = inv.args.strip().lower()
    if " " in wanted:
        raise UserError(Problem.USAGE, need="one_status", usage=USAGE)
    now = inv.services.clock.now()
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        if wanted:
            await incidents.change_status(session, now=now, incident=incident, user=inv.user, status=wanted)
        else:
            snap = await incidents.snapshot(session, incident)
    if wanted:
        inv.changed()
        await inv.reply()
    else:
        await inv.reply(inv.render("incident_status.md.j2", snap=snap, now=now))
