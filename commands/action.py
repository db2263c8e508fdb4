"""`/incident action <text> [@owner]`: a follow-up action item for the postmortem; `action <n> done` marks one done
(also after the incident is resolved)."""

from __future__ import annotations

from bot import incidents, mrkdwn
from bot.errors import Problem, UserError
from commands.arguments import user_ref
from commands.invocation import Invocation

NAME = "action"
USAGE = "action <text> [@owner] | action <n> done"
SUMMARY = "record a follow-up action item, optionally with its owner; mark one done"


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    if len(words) == 2 and words[1].lower() == "done":
        if not (words[0].isascii() and words[0].isdigit() and len(words[0]) <= 6):
            raise UserError(Problem.USAGE, need="action_done", usage=USAGE)
        async with inv.services.db.session_scope() as session:
            incident = await inv.incident_here(session)
            await incidents.close_action_item(
                session, now=inv.services.clock.now(), incident=incident, user=inv.user, number=int(words[0])
            )
        inv.changed()
        await inv.reply()
        return
    owner = None
    if words and words[-1].startswith("<@"):
        owner = user_ref(words[-1])
        words = words[:-1]
    text = " ".join(words).strip()
    if not text:
        raise UserError(Problem.USAGE, need="action_item", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        await incidents.add_action_item(
            session,
            now=inv.services.clock.now(),
            incident=incident,
            user=inv.user,
            text=mrkdwn.from_command(text),
            owner=owner,
            config=inv.services.config,
        )
    inv.changed()
    await inv.reply()
