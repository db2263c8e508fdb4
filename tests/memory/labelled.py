"""The labelled set of `tests/data/memory/incidents.yml` as recollections, and how well a way of ranking finds each
query's family: precision@1 (the first match is of its family) and recall@3 (the share of its family in the first
three). `tests/perf/memory_lookup.py` prints the figures for facts, text and both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.memory.similar import Index, Recollection

SET = Path(__file__).resolve().parents[1] / "data" / "memory" / "incidents.yml"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _recollection(incident_id: int, raw: dict[str, Any], declared_at: datetime) -> Recollection:
    return Recollection(
        incident_id=incident_id,
        declared_at=declared_at,
        model=raw.get("model"),
        kind=raw.get("kind"),
        metric=raw.get("metric"),
        slices=frozenset(raw.get("slices") or ()),
        deploy_before=bool(raw.get("deploy_before")),
        drop=raw.get("drop"),
        text=str(raw.get("text") or ""),
    )


@dataclass(frozen=True)
class Labelled:
    index: Index
    queries: list[tuple[Recollection, frozenset[int]]]  # each new incident, with its family's past incidents


def load() -> Labelled:
    families = yaml.safe_load(SET.read_text())["families"]
    index = Index()
    queries = []
    next_id = 1
    for n, family in enumerate(families.values()):
        members = []
        for k, raw in enumerate(family["past"]):
            index.add(_recollection(next_id, raw, NOW - timedelta(days=10 + 7 * k + n)))
            members.append(next_id)
            next_id += 1
        queries.append((_recollection(10_000 + n, family["query"], NOW), frozenset(members)))
    return Labelled(index=index, queries=queries)


def measure(labelled: Labelled, mode: str) -> tuple[float, float]:
    """Precision@1 and recall@3 over the queries."""
    first, found = 0, 0.0
    for query, family in labelled.queries:
        ranked = [m.incident_id for m in labelled.index.rank(query, mode=mode, limit=3)]
        first += bool(ranked) and ranked[0] in family
        found += len(set(ranked) & family) / len(family)
    return first / len(labelled.queries), found / len(labelled.queries)
