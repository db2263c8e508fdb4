"""`/incident unfreeze <model>`: let the model's deploys go again (a fix may need one while the incident is open)."""

from __future__ import annotations

from bot import deploys
from bot.errors import Problem, UserError
from commands.arguments import first_word
from commands.freeze import guarded
from commands.invocation import Invocation

NAME = "unfreeze"
USAGE = "unfreeze <model>"
SUMMARY = "let a model's deploys go again"


async def run(inv: Invocation) -> None:
    model, rest = first_word(inv.args)
    if not model or rest.strip():
        raise UserError(Problem.USAGE, need="model", usage=USAGE)
    ended = await guarded(
        inv,
        lambda session, here: deploys.unfreeze(
            session,
            config=inv.services.config,
            directory=inv.services.directory,
            model=model,
            user=inv.user,
            now=inv.services.clock.now(),
            incident=here,
        ),
    )
    inv.changed()
    await inv.reply(inv.render("deploys_unfrozen.md.j2", model=model, ended=ended))
