"""`/incident run <action> [input]`: a runbook action of the incident's model (sevbot.yml `actions`), with a plan
naming the exact request and Confirm, for whoever may contain."""

from __future__ import annotations

from bot import runbook
from bot.containment import ActionKind
from bot.errors import Problem, UserError
from commands.arguments import first_word
from commands.contain import ask
from commands.invocation import Invocation

NAME = "run"
USAGE = "run <action> [input]"
SUMMARY = "run one of the model's runbook actions (an HTTP call from sevbot.yml); you confirm the exact request first"


async def run(inv: Invocation) -> None:
    name, given = first_word(inv.args)
    if not name:
        raise UserError(Problem.USAGE, need="runbook_action", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
    if not incident.model:
        raise UserError(Problem.NO_MODEL_NAMED, where="incident", incident=incident.id)
    declared = runbook.runbook_action(inv.services.config, incident.model, name)  # nothing stored if wrong
    checked = runbook.check_input(name.lower(), declared, given)
    params = {"action": name.lower(), **({"input": checked} if checked is not None else {})}
    await ask(inv, model=incident.model, kind=ActionKind.RUN, params=params, usage=USAGE)
