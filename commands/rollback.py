"""`/incident rollback <model> [to <version>]`: back to the last known good version, after a confirmation."""

from __future__ import annotations

from bot.containment import ActionKind
from bot.errors import Problem, UserError
from commands.contain import ask
from commands.invocation import Invocation

NAME = "rollback"
USAGE = "rollback <model> [to <version>]"
SUMMARY = "roll a model back to its previous version (or the one you name); you confirm first"


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "to"):
        raise UserError(Problem.USAGE, need="model_to_version", usage=USAGE)
    params = {"to": words[2]} if len(words) == 3 else {}
    await ask(inv, model=words[0] if words else "", kind=ActionKind.ROLLBACK, params=params, usage=USAGE)
