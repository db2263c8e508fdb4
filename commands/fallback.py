"""`/incident fallback <model> [on|off]`: serve the model's fallback (or stop), after a confirmation."""

from __future__ import annotations

from bot.containment import ActionKind
from bot.errors import Problem, UserError
from commands.contain import ask
from commands.invocation import Invocation

NAME = "fallback"
USAGE = "fallback <model> [on|off]"
SUMMARY = "switch a model to its fallback (`off` switches back); you confirm first"


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    if len(words) not in (1, 2) or (len(words) == 2 and words[1].lower() not in ("on", "off")):
        raise UserError(Problem.USAGE, need="model_on_off", usage=USAGE)
    on = len(words) == 1 or words[1].lower() == "on"
    await ask(inv, model=words[0], kind=ActionKind.FALLBACK, params={"on": on}, usage=USAGE)
