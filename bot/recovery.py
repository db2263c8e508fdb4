"""Whether an SLO came back: one vocabulary for every verification's verdict, and one decision — "the containment
worked" — for the verification message, the ledger's known-good mark, the postmortem, the numbers and the charts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

__all__ = ["Recovery", "all_recovered", "any_not_recovered"]


class Recovery(StrEnum):
    RECOVERED = "recovered"  # inside its SLO for the whole window
    NOT_RECOVERED = "not_recovered"
    INCONCLUSIVE = "inconclusive"  # too little data to say: never a pass, never a breach


def _of(verdict: Mapping[str, Any]) -> Recovery | None:
    try:
        return Recovery(str(verdict.get("verdict")))
    except ValueError:
        return None


def all_recovered(verdicts: Iterable[Mapping[str, Any]] | None) -> bool:
    """A verification that found every SLO recovered (at least one): the containment worked."""
    said = [_of(v) for v in verdicts or ()]
    return bool(said) and all(v == Recovery.RECOVERED for v in said)


def any_not_recovered(verdicts: Iterable[Mapping[str, Any]] | None) -> bool:
    """A verification that found an SLO still outside its bounds."""
    return any(_of(v) == Recovery.NOT_RECOVERED for v in verdicts or ())
