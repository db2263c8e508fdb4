"""The playbook's incident types (named, with their top diagnostic checks, in `templates/_kinds.md.j2`), and how a
metric's name says which type a breach is when sevbot.yml does not (`slos.<metric>.kind`)."""

from __future__ import annotations

import re

__all__ = ["KINDS", "kind_of", "plural"]

KINDS = ("quality", "data", "serving", "training", "safety")  # their names and first checks: templates/_kinds.md.j2


_BY_NAME = (
    ("safety", r"toxic|safety|harm|unsafe|jailbreak|pii"),
    ("serving", r"latency|_ms$|p9\d|p50|error|timeout|5xx|availability|throughput|qps|rps|saturation|cpu|gpu|memory"),
    ("data", r"psi|drift|missing|null|schema|fresh|stale|range|feature|input"),
    ("training", r"training|etl|pipeline|job|label"),
)


def kind_of(metric: str | None, configured: str | None = None) -> str:
    """The SLO's configured kind, else one read from the metric's name, else model quality."""
    if configured:
        return configured
    name = (metric or "").lower()
    for kind, pattern in _BY_NAME:
        if re.search(pattern, name):
            return kind
    return "quality"


def plural(label: str, count: int | None = None) -> str:
    """`camera` → `cameras`; already plural or one of them: as is."""
    label = label.strip() or "slices"
    if count == 1 or label.endswith("s"):
        return label
    return label[:-1] + "ies" if label.endswith("y") and label[-2:-1] not in "aeiou" else label + "s"
