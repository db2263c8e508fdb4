"""`/incident ack`: someone owns it; with no commander yet, they become commander."""

from __future__ import annotations

from bot import incidents
from bot.errors import Problem, UserError
from commands.invocation import Invocation

NAME = "ack"
USAGE = "ack"
SUMMARY = "acknowledge the incident (stops escalation; you become commander if there is none)"


async def run(inv: Invocation) -> None:
    if inv.args.strip():
        raise UserError(Problem.TAKES_NO_ARGUMENTS, command="ack", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        await incidents.acknowledge(session, now=inv.services.clock.now(), incident=incident, user=inv.user)
    inv.changed()
    await inv.reply()
