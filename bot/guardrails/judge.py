"""One guardrail check on one reading: breach, ok, or unknown (missing data is never a pass and never a breach)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import GuardrailCheck

__all__ = ["Reading", "judge"]


@dataclass(frozen=True)
class Reading:
    status: str  # breach | ok | unknown
    limit: float | None  # the value the canary may not pass
    rule: str  # max_drop | max_increase | max


def judge(check: GuardrailCheck, canary: float | None, stable: float | None) -> Reading:
    """`max_drop`: the canary may be at most that far below stable; `max_increase`: at most that far above (absolute,
    or a share of stable); `max`: the canary alone, at most that."""
    if check.max is not None:
        rule, limit = "max", check.max
        if canary is None:
            return Reading("unknown", limit, rule)
        return Reading("breach" if canary > limit else "ok", limit, rule)
    if canary is None or stable is None:
        return Reading("unknown", None, "max_drop" if check.max_drop is not None else "max_increase")
    if check.max_drop is not None:
        limit = stable - check.max_drop
        return Reading("breach" if canary < limit else "ok", limit, "max_drop")
    limit = stable + check.increase_allowed(stable)
    return Reading("breach" if canary > limit else "ok", limit, "max_increase")
