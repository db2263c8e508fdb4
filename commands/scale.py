"""`/incident scale <model> [replicas]`: set how many replicas serve the model (twice as many when not said), on
platforms that can (SageMaker instances, KServe minReplicas, the HTTP contract); you confirm first."""

from __future__ import annotations

from bot.containment import ActionKind
from bot.errors import Problem, UserError
from commands.contain import ask
from commands.invocation import Invocation

NAME = "scale"
USAGE = "scale <model> [replicas]"
SUMMARY = "scale out the replicas serving a model (twice as many if you name no number); you confirm first"
MOST = 1000


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    if len(words) not in (1, 2):
        raise UserError(Problem.USAGE, need="model", usage=USAGE)
    params: dict[str, int] = {}
    if len(words) == 2:
        if not (words[1].isascii() and words[1].isdigit() and 1 <= int(words[1]) <= MOST):
            raise UserError(Problem.BAD_REPLICAS, word=words[1][:20], most=MOST, usage=USAGE)
        params["replicas"] = int(words[1])
    await ask(inv, model=words[0], kind=ActionKind.SCALE, params=params, usage=USAGE)
