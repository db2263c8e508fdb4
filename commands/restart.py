"""`/incident restart <model>`: restart the replicas serving the model, on platforms that can (the HTTP contract);
you confirm first. Elsewhere a runbook action does it (`actions:` in sevbot.yml)."""

from __future__ import annotations

from bot.containment import ActionKind
from bot.errors import Problem, UserError
from commands.contain import ask
from commands.invocation import Invocation

NAME = "restart"
USAGE = "restart <model>"
SUMMARY = "restart the replicas serving a model, where its platform can; you confirm first"


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    if len(words) != 1:
        raise UserError(Problem.USAGE, need="model", usage=USAGE)
    await ask(inv, model=words[0], kind=ActionKind.RESTART, params={}, usage=USAGE)
