"""`/incident action <text> [@owner]`: a follow-up action item for the postmortem."""

from __future__ import annotations

from bot import mrkdwn
from bot.errors import UserError
from bot.outbox import OutboxKind, enqueue
from bot.timeline import EventKind, record
from commands.arguments import user_ref
from commands.invocation import Invocation

NAME = "action"
USAGE = "action <text> [@owner]"
SUMMARY = "record a follow-up action item, optionally with its owner"


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    owner = None
    if words and words[-1].startswith("<@"):
        owner = user_ref(words[-1])
        words = words[:-1]
    text = " ".join(words).strip()
    if not text:
        raise UserError("Say what should be done.", usage=USAGE)
    if len(text) > 1000:
        raise UserError(f"The action item is {len(text):,} characters long; the most is 1,000.", usage=USAGE)
    now = inv.services.clock.now()
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        assert incident.id is not None
        event = await record(
            session,
            incident_id=incident.id,
            actor=inv.user,
            kind=EventKind.ACTION_ITEM,
            at=now,
            text=mrkdwn.from_command(text),
            owner=owner,
        )
        await enqueue(
            session, kind=OutboxKind.POST_EVENT, incident_id=incident.id, now=now, target="incident", event_id=event.id
        )
    inv.changed()
    await inv.reply()
