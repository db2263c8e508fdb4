"""`/incident verify [model]`: is each SLO of the model back, and has it held for its window?"""

from __future__ import annotations

from bot import containment, world
from bot.errors import Problem, UserError
from bot.runtime.outbox import OutboxKind, enqueue
from commands.invocation import Invocation

NAME = "verify"
USAGE = "verify [model]"
SUMMARY = "check the model's SLOs over their windows: recovered, not recovered or inconclusive"


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    if len(words) > 1:
        raise UserError(Problem.USAGE, need="at_most_a_model", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        here = world.of_incident(incident, drills_dir=inv.services.config.drills_dir)
        model = here.model(words[0]) if words else incident.model
        if not model:
            raise UserError(Problem.NO_MODEL_NAMED, where="verify", usage=USAGE)
        settings = containment.model_config(inv.services.config, model)
        if not settings.slos:
            raise UserError(Problem.NO_SLOS, model=model)
        await enqueue(
            session,
            kind=OutboxKind.VERIFY,
            incident_id=incident.id,
            now=inv.services.clock.now(),
            model=model,
            asked_by=inv.user,
        )
    inv.changed()
    await inv.reply(f":mag: Checking `{model}`'s SLOs against the metrics; the verdict comes in this channel.")
