"""`/incident update <text>`: a status update in the communication template; the cadence restarts."""

from __future__ import annotations

from bot import incidents, mrkdwn
from bot.containment.target import containment_done
from bot.errors import Problem, UserError
from commands.invocation import Invocation

NAME = "update"
USAGE = "update <what changed>"
SUMMARY = "post a status update (the next one falls due per the severity's cadence)"


async def run(inv: Invocation) -> None:
    if not inv.args.strip():
        raise UserError(Problem.USAGE, need="update", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        await incidents.post_update(
            session,
            config=inv.services.config,
            now=inv.services.clock.now(),
            incident=incident,
            user=inv.user,
            text=mrkdwn.from_command(inv.args),
            contained=await containment_done(session, incident),
        )
    inv.changed()
    await inv.reply()
