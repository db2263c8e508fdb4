"""`/incident page [<@user>|<S…>]`: page now through the configured pager (the on-call, or whom you name)."""

from __future__ import annotations

from bot import notify
from bot.errors import Problem, UserError
from commands.arguments import label_of, person_or_group
from commands.invocation import Invocation

NAME = "page"
USAGE = "page [@person|@group]"
SUMMARY = "page the on-call (or whom you name) now through the configured pager"


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    if len(words) > 1:
        raise UserError(Problem.USAGE, need="page_target", usage=USAGE)
    target = person_or_group(words[0]) if words else None
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        await notify.page_now(
            session,
            config=inv.services.config,
            directory=inv.services.directory,
            incident=incident,
            user=inv.user,
            target=target,
            target_label=label_of(words[0]) if words else None,
            now=inv.services.clock.now(),
        )
    inv.changed()
    await inv.reply()
