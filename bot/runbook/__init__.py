"""Runbook actions: steps beyond the model (restart the workers, pin preprocessing, switch to cached features), each
one HTTP call declared per model in sevbot.yml, planned, confirmed and recorded through containment's pipeline.
`request` builds the exact request from the declaration and the person's input (what the plan shows, secrets masked);
`call` sends it once."""

from bot.runbook.call import RunbookError, send
from bot.runbook.request import Prepared, check_input, prepare, runbook_action

__all__ = ["Prepared", "RunbookError", "check_input", "prepare", "runbook_action", "send"]
