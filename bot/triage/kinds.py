"""The playbook's incident types, what each one's first actions and top diagnostic checks are, and how a metric's
name says which type a breach is when sevbot.yml does not (`slos.<metric>.kind`)."""

from __future__ import annotations

import re

__all__ = ["CHECKS", "KINDS", "kind_of", "plural"]

KINDS = {
    "quality": "model quality",
    "data": "data / feature",
    "serving": "serving / platform",
    "training": "training / ETL",
    "safety": "safety",
}

# The three checks to run first, per type (from the runbooks).
CHECKS = {
    "quality": (
        "compare the live version with the last known good one (a recent deploy is the usual suspect)",
        "inspect per-slice metrics (cameras, regions) for a localized cause: lighting, a new site, a sensor",
        "check the inputs: preprocessing version and feature ranges against training",
    ),
    "data": (
        "look for upstream changes: a new data source, a pipeline or schema change",
        "check the schema and missing or null features",
        "compare feature ranges and distributions (PSI) with the training baseline",
    ),
    "serving": (
        "check dependencies such as the feature store and downstream services",
        "check capacity: replicas, CPU/GPU saturation, queue depth; scale out if saturated",
        "restart unhealthy replicas; roll back only if a deploy is the suspect",
    ),
    "training": (
        "check the last training or ETL run: failed jobs, partial or stale data",
        "compare the training set's size and label distribution with the previous run",
        "hold the candidate model; keep serving the last known good version",
    ),
    "safety": (
        "tighten the filters or thresholds, or switch to a safer model, now",
        "route low-confidence or flagged predictions to human review",
        "collect the harmful outputs for the postmortem and notify the owners",
    ),
}

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
