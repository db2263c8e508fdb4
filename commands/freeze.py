"""`/incident freeze <model> [why]`: hold the model's deploys (CI/CD asking the gate is told to wait)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import deploys, incidents, mrkdwn
from bot.containment import Refused
from bot.errors import Problem, UserError
from bot.models import Incident
from commands.arguments import first_word
from commands.invocation import Invocation

NAME = "freeze"
USAGE = "freeze <model> [why]"
SUMMARY = "freeze a model's deploys (the deploy gate says wait) until the incident ends or someone unfreezes"

T = TypeVar("T")


async def guarded(inv: Invocation, work: Callable[[AsyncSession, Incident | None], Awaitable[T]]) -> T:
    """A freeze or unfreeze from this channel (its incident, if any); a refusal is said to them privately and put on
    the incident's timeline, in a transaction of its own."""
    try:
        async with inv.services.db.session_scope() as session:
            return await work(session, await incidents.by_channel(session, inv.channel))
    except Refused as refused:
        async with inv.services.db.session_scope() as session:
            await deploys.record_refusal(session, refused, user=inv.user, now=inv.services.clock.now())
        inv.changed()
        raise


async def run(inv: Invocation) -> None:
    model, why = first_word(inv.args)
    if not model:
        raise UserError(Problem.USAGE, need="model", usage=USAGE)
    held = await guarded(
        inv,
        lambda session, here: deploys.freeze(
            session,
            config=inv.services.config,
            directory=inv.services.directory,
            model=model,
            user=inv.user,
            why=mrkdwn.from_command(why.strip()) or "frozen by hand",
            now=inv.services.clock.now(),
            incident=here,
        ),
    )
    inv.changed()
    await inv.reply(inv.render("deploys_frozen.md.j2", held=held))
