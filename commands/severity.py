"""`/incident severity <sev1..sev4> [why]`: the cadence is re-planned and the change announced with its reason."""

from __future__ import annotations

from bot import incidents, mrkdwn
from bot.errors import Problem, UserError
from commands.arguments import first_word
from commands.invocation import Invocation

NAME = "severity"
USAGE = "severity <sev1|sev2|sev3|sev4> [why]"
SUMMARY = "change the severity"


async def run(inv: Invocation) -> None:
    wanted, why = first_word(inv.args)
    if not wanted:
        raise UserError(Problem.USAGE, need="severity", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        await incidents.change_severity(
            session,
            config=inv.services.config,
            directory=inv.services.directory,
            now=inv.services.clock.now(),
            incident=incident,
            user=inv.user,
            severity=wanted,
            why=mrkdwn.from_command(why),
        )
    inv.changed()
    await inv.reply()
