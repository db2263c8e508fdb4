"""The numbers of the last N days, from what sevbot recorded. Drills are left out (`incidents.drill`).

- time to detect: from the first alert's `starts_at` (when the breach began) to the declaration;
- time to acknowledge / contain / resolve: from the declaration to the acknowledgement, the first containment that
  succeeded, the resolution;
- each as a median and a 90th percentile (linear interpolation, as numpy computes it), over the incidents that have
  it;
- the first containment's kind, and whether it worked (the verification scheduled after it said recovered);
- verifications that said not recovered; the update cadence kept (no reminder was needed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import utc
from bot.models import Action, Alert, Incident, TimelineEvent
from bot.recovery import all_recovered

__all__ = ["CONTAINMENT", "Figures", "Insights", "contained", "insights"]

CONTAINMENT = ("rollback", "fallback", "canary", "review", "scale", "restart", "run")


@dataclass(frozen=True)
class Spread:
    median_s: float
    p90_s: float
    n: int


async def contained(session: AsyncSession, incident_ids: Iterable[int]) -> dict[int, list[Action]]:
    """Each incident's containment that succeeded, in the order it finished: one query for all of them."""
    ids = list(incident_ids)
    done: dict[int, list[Action]] = defaultdict(list)
    if not ids:
        return done
    actions = await session.exec(
        select(Action)
        .where(col(Action.incident_id).in_(ids), Action.status == "succeeded", col(Action.kind).in_(CONTAINMENT))
        .order_by(col(Action.finished_at), col(Action.id))
    )
    for action in actions.all():
        if action.incident_id is not None:
            done[action.incident_id].append(action)
    return done


def _spread(values: Sequence[float]) -> Spread | None:
    if not values:
        return None
    data = np.asarray(values, dtype=np.float64)
    return Spread(float(np.median(data)), float(np.percentile(data, 90)), len(values))


@dataclass
class _Case:
    incident: Incident
    detect_s: float | None = None
    first: Action | None = None
    worked: bool | None = None
    failed_verifications: int = 0
    reminders: int = 0


@dataclass(frozen=True)
class Figures:
    """One row: a severity, a model or an incident type (`key`), or everything (`key` "all")."""

    key: str
    count: int
    detect: Spread | None
    acknowledge: Spread | None
    contain: Spread | None
    resolve: Spread | None
    first: dict[str, int] = field(default_factory=dict)  # the first containment's kind → how many incidents
    contained: int = 0
    first_worked: int = 0  # of those whose first containment was verified
    verified_first: int = 0
    failed_verifications: int = 0
    cadence_kept: int = 0  # incidents that needed no reminder

    @property
    def rollback(self) -> int:
        return self.first.get("rollback", 0)

    @property
    def fallback(self) -> int:
        return self.first.get("fallback", 0)

    @property
    def other(self) -> int:
        return self.contained - self.rollback - self.fallback


@dataclass(frozen=True)
class Insights:
    since: datetime
    days: int
    model: str | None
    total: Figures
    severities: list[Figures]
    models: list[Figures]
    kinds: list[Figures]
    drills_left_out: int


def _figures(key: str, cases: Iterable[_Case]) -> Figures:
    cases = list(cases)

    def delay(case: _Case, at: datetime | None) -> float | None:
        return (at - case.incident.declared_at).total_seconds() if at is not None else None

    acknowledge = [d for c in cases if (d := delay(c, c.incident.acknowledged_at)) is not None]
    contain = [d for c in cases if c.first is not None and (d := delay(c, c.first.finished_at)) is not None]
    resolve = [d for c in cases if (d := delay(c, c.incident.resolved_at)) is not None]
    first: dict[str, int] = defaultdict(int)
    for case in cases:
        if case.first is not None:
            first[case.first.kind] += 1
    return Figures(
        key=key,
        count=len(cases),
        detect=_spread([c.detect_s for c in cases if c.detect_s is not None]),
        acknowledge=_spread(acknowledge),
        contain=_spread(contain),
        resolve=_spread(resolve),
        first=dict(first),
        contained=sum(1 for c in cases if c.first is not None),
        first_worked=sum(1 for c in cases if c.worked),
        verified_first=sum(1 for c in cases if c.worked is not None),
        failed_verifications=sum(c.failed_verifications for c in cases),
        cadence_kept=sum(1 for c in cases if c.reminders == 0),
    )


def _grouped(cases: list[_Case], key: Any) -> list[Figures]:
    groups: dict[str, list[_Case]] = defaultdict(list)
    for case in cases:
        groups[key(case) or "—"].append(case)
    return [_figures(name, groups[name]) for name in sorted(groups)]


async def insights(session: AsyncSession, *, now: datetime, days: int, model: str | None = None) -> Insights:
    """The last `days` days' incidents (declared since then), optionally of one model; five queries."""
    since = now - timedelta(days=days)
    query = select(Incident).where(col(Incident.declared_at) >= since)
    if model is not None:
        query = query.where(Incident.model == model)
    found = (await session.exec(query.order_by(col(Incident.id)))).all()
    real = [i for i in found if i.drill is None]
    cases = {i.id: _Case(i) for i in real}
    ids = list(cases)
    if ids:
        starts = await session.exec(
            select(Alert.incident_id, sa.func.min(Alert.starts_at))
            .where(col(Alert.incident_id).in_(ids))
            .group_by(col(Alert.incident_id))
        )
        for incident_id, started in starts.all():
            case = cases[incident_id]
            if started is not None:
                case.detect_s = max(0.0, (case.incident.declared_at - utc(started)).total_seconds())
        for incident_id, done in (await contained(session, [i for i in ids if i is not None])).items():
            cases[incident_id].first = done[0]
        events = await session.exec(
            select(TimelineEvent)
            .where(col(TimelineEvent.incident_id).in_(ids), col(TimelineEvent.kind).in_(["verification", "reminder"]))
            .order_by(col(TimelineEvent.id))
        )
        for event in events.all():
            case = cases[event.incident_id]
            if event.kind == "reminder":
                case.reminders += 1
                continue
            verdicts = event.data.get("verdicts") or []
            recovered = all_recovered(verdicts)
            if verdicts and not recovered:
                case.failed_verifications += 1
            if case.first is not None and event.data.get("after_action") == case.first.id:
                case.worked = recovered
    chosen = list(cases.values())
    return Insights(
        since=since,
        days=days,
        model=model,
        total=_figures("all", chosen),
        severities=_grouped(chosen, lambda c: c.incident.severity),
        models=_grouped(chosen, lambda c: c.incident.model),
        kinds=_grouped(chosen, lambda c: (c.incident.triage or {}).get("kind")),
        drills_left_out=len(found) - len(real),
    )
