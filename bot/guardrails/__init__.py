"""Guardrails on a canary: each tick, every check of a model with `guardrails` and a canary is read for the canary
and the stable version; a breach held `for`, consecutively, opens one incident and freezes the model's deploys."""

from bot.guardrails.judge import Reading, judge
from bot.guardrails.watch import Watch

__all__ = ["Reading", "Watch", "judge"]
