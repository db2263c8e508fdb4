"""`/incident canary <model> <percent>`: set the canary's share of traffic; 0 freezes it."""

from __future__ import annotations

from bot.containment import ActionKind
from bot.errors import UserError
from commands.contain import ask
from commands.invocation import Invocation

NAME = "canary"
USAGE = "canary <model> <percent>"
SUMMARY = "set a model's canary traffic (0 freezes the canary); you confirm first"


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    if len(words) != 2:
        raise UserError("Say which model and what percent of traffic the canary gets.", usage=USAGE)
    try:
        percent = float(words[1].rstrip("%"))
    except ValueError:
        raise UserError(f"`{words[1]}` is not a percentage: write a number from 0 to 100.", usage=USAGE) from None
    if not 0 <= percent <= 100:
        raise UserError(f"{percent:g} is not between 0 and 100.", usage=USAGE)
    await ask(inv, model=words[0], kind=ActionKind.CANARY, params={"percent": percent}, usage=USAGE)
