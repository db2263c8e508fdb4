"""`/incident severity <sev1..sev4>`: the cadence is re-planned and the change announced."""

from __future__ import annotations

from bot import incidents
from bot.errors import UserError
from commands.invocation import Invocation

NAME = "severity"
USAGE = "severity <sev1|sev2|sev3|sev4>"
SUMMARY = "change the severity"


async def run(inv: Invocation) -> None:
    wanted = inv.args.strip()
    if not wanted or " " in wanted:
        raise UserError("Give one severity.", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        await incidents.change_severity(
            session,
            config=inv.services.config,
            now=inv.services.clock.now(),
            incident=incident,
            user=inv.user,
            severity=wanted,
        )
    inv.changed()
    await inv.reply()
