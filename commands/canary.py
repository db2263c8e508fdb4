"""`/incident canary <model> <percent>`: set the canary's share of traffic; 0 freezes it."""

from __future__ import annotations

from bot.containment import ActionKind
from bot.errors import Problem, UserError
from commands.contain import ask
from commands.invocation import Invocation

NAME = "canary"
USAGE = "canary <model> <percent>"
SUMMARY = "set a model's canary traffic (0 freezes the canary); you confirm first"


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    if len(words) != 2:
        raise UserError(Problem.USAGE, need="model_percent", usage=USAGE)
    try:
        percent = float(words[1].rstrip("%"))
    except ValueError:
        raise UserError(Problem.NOT_A_PERCENTAGE, word=words[1], usage=USAGE) from None
    if not 0 <= percent <= 100:
        raise UserError(Problem.PERCENT_OUT_OF_RANGE, percent=percent, usage=USAGE)
    await ask(inv, model=words[0], kind=ActionKind.CANARY, params={"percent": percent}, usage=USAGE)
