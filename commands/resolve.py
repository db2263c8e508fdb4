"""`/incident resolve <summary>`: close it; the resolution goes to the channel and the announcements."""

from __future__ import annotations

from bot import incidents, mrkdwn
from bot.errors import Problem, UserError
from bot.slack.blocks import as_dicts, resolve_anyway
from commands.invocation import Invocation

NAME = "resolve"
USAGE = "resolve <summary>"
SUMMARY = "resolve the incident with a summary of what happened and what fixed it"


async def run(inv: Invocation) -> None:
    if not inv.args.strip():
        raise UserError(Problem.USAGE, need="summary", usage=USAGE)
    summary = mrkdwn.from_command(inv.args)
    try:
        async with inv.services.db.session_scope() as session:
            incident = await inv.incident_here(session)
            await incidents.resolve(
                session,
                config=inv.services.config,
                directory=inv.services.directory,
                now=inv.services.clock.now(),
                incident=incident,
                user=inv.user,
                summary=summary,
            )
    except UserError as exc:
        if exc.problem != Problem.NOT_RECOVERED:
            raise
        text = inv.services.texts.problem(exc)  # asked privately, with a button to resolve all the same
        await inv.reply_blocks(text, as_dicts(resolve_anyway(text, exc.values["incident"], summary)))
        return
    inv.changed()
    await inv.reply()
