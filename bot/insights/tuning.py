"""Alert tuning from what people did with the cards: for each alert rule (its alertname and model), how often its
groups were noise — dismissed, never declared, or declared and resolved with nothing contained — against how often
they were real (declared, and contained or still open); the values that fired; and the line that would have kept
the real ones and silenced the noise. Suggestions only: sevbot changes no rule.

A rule fires above its line (PSI, latency) or below it (mAP, recall), which each alert's value against its threshold
says. The suggested line is the real values' edge rounded as coarsely as still separates it from the noise it
silences: real PSI values from 0.283 up and noise up to 0.268 give "raise the line to 0.28".
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.drills.identity import drill_id
from bot.insights.stats import contained as succeeded
from bot.models import Alert, AlertGroup, AlertGroupStatus, Incident, IncidentStatus

__all__ = ["Fate", "Line", "RuleNoise", "noisiest", "suggest_line"]


class Fate:
    DISMISSED = "dismissed"
    NEVER_DECLARED = "never declared"
    NOTHING_CONTAINED = "declared, nothing contained"
    REAL = "real"


@dataclass(frozen=True)
class Line:
    """What would have silenced the noise: fire only `above` (or below) `value`."""

    value: float
    above: bool  # the rule fires above its line (higher is worse)
    silenced: int  # noisy firings the new line would not have fired for
    kept: int  # real firings it still fires for (all of them)


@dataclass
class RuleNoise:
    rule: str  # the alertname
    model: str | None
    metric: str | None = None
    fates: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # fate → groups
    noise_values: list[float] = field(default_factory=list)
    real_values: list[float] = field(default_factory=list)
    thresholds: list[float] = field(default_factory=list)
    above_votes: int = 0
    current: float | None = None  # the rule's line now, as most of its alerts said
    line: Line | None = None

    @property
    def noise(self) -> int:
        return sum(n for fate, n in self.fates.items() if fate != Fate.REAL)

    @property
    def total(self) -> int:
        return sum(self.fates.values())

    @property
    def real(self) -> int:
        return self.fates.get(Fate.REAL, 0)

    @property
    def above(self) -> bool:
        return self.above_votes >= 0


def _decimals_for(value: float) -> int:
    """Decimals at which a value's first significant digit shows: 0.0042 → 3, 240 → -2 (hundreds)."""
    if value == 0:
        return 0
    return -math.floor(math.log10(abs(value)))


def suggest_line(noise: list[float], real: list[float], *, above: bool) -> Line | None:
    """The coarsest round line that keeps every real value firing and silences the most noise; None when no line
    silences anything (the noise fired as hard as the real ones)."""
    if not noise:
        return None
    if not real:  # nothing real: a line just past the noise silences all of it
        edge = max(noise) if above else min(noise)
        for decimals in range(_decimals_for(edge), _decimals_for(edge) + 6):
            step = 10.0**-decimals
            q = round(edge / step, 9)  # 0.28 / 0.01 is 28.000000000000004
            value = (math.floor(q) + 1) * step if above else (math.ceil(q) - 1) * step
            value = round(value, max(decimals + 1, 0))
            if (value > edge) if above else (value < edge):
                return Line(value=value, above=above, silenced=len(noise), kept=0)
        return None
    edge = min(real) if above else max(real)
    quiet = [v for v in noise if (v < edge if above else v > edge)]  # noise a line at the edge would silence
    if not quiet:
        return None
    nearest = max(quiet) if above else min(quiet)
    for decimals in range(_decimals_for(edge), 8):
        step = 10.0**-decimals
        q = round(edge / step, 9)
        value = round(math.floor(q) * step if above else math.ceil(q) * step, max(decimals, 0))
        if (nearest < value <= edge) if above else (edge <= value < nearest):
            return Line(value=value, above=above, silenced=len(quiet), kept=len(real))
    return Line(value=edge, above=above, silenced=len(quiet), kept=len(real))


def _fate(group: AlertGroup, incident: Incident | None, contained: set[int]) -> str | None:
    if group.status == AlertGroupStatus.DISMISSED:
        return Fate.DISMISSED
    if incident is None:
        return Fate.NEVER_DECLARED if group.status == AlertGroupStatus.RESOLVED else None  # still undecided
    if incident.status == IncidentStatus.RESOLVED and incident.id not in contained:
        return Fate.NOTHING_CONTAINED
    return Fate.REAL


async def noisiest(
    session: AsyncSession, *, now: datetime, days: int = 30, limit: int = 5, model: str | None = None
) -> list[RuleNoise]:
    """The rules whose cards were most often noise in the last `days` days (at least two noisy groups each), noisiest
    first; drills left out. Three queries."""
    since = now - timedelta(days=days)
    query = select(AlertGroup).where(col(AlertGroup.created_at) >= since)
    if model is not None:
        query = query.where(AlertGroup.model == model)
    groups = {g.id: g for g in (await session.exec(query)).all() if drill_id(g.model) is None}
    if not groups:
        return []
    incident_ids = {g.incident_id for g in groups.values() if g.incident_id is not None}
    incidents: dict[int | None, Incident] = {}
    contained: set[int] = set()
    if incident_ids:
        incidents = {i.id: i for i in (await session.exec(select(Incident).where(col(Incident.id).in_(incident_ids))))}
        contained = set(await succeeded(session, [i for i in incident_ids if i is not None]))
    columns = [col(c) for c in (Alert.group_id, Alert.details, Alert.model, Alert.metric, Alert.value, Alert.threshold)]
    alerts = await session.exec(sa.select(*columns).where(col(Alert.group_id).in_(list(groups))))  # type: ignore[call-overload]
    rules: dict[tuple[str, str | None], RuleNoise] = {}
    seen: set[tuple[str, str | None, int]] = set()
    for group_id, details, model_name, metric, value, threshold in alerts.all():
        group = groups[group_id]
        fate = _fate(group, incidents.get(group.incident_id), contained)
        if fate is None:
            continue
        name = str((details or {}).get("name") or metric or "alert")
        rule = rules.setdefault((name, model_name), RuleNoise(rule=name, model=model_name, metric=metric))
        if (name, model_name, group_id) not in seen:  # a group counts once per rule, however many of its alerts
            seen.add((name, model_name, group_id))
            rule.fates[fate] += 1
        if value is None:
            continue
        (rule.real_values if fate == Fate.REAL else rule.noise_values).append(float(value))
        if threshold is not None:
            rule.thresholds.append(float(threshold))
            rule.above_votes += 1 if value > threshold else -1 if value < threshold else 0
    noisy = [r for r in rules.values() if r.noise >= 2]
    for rule in noisy:
        rule.current = max(rule.thresholds, key=rule.thresholds.count) if rule.thresholds else None
        rule.line = suggest_line(rule.noise_values, rule.real_values, above=rule.above)
    noisy.sort(key=lambda r: (-r.noise, -r.noise / max(r.total, 1), r.rule, r.model or ""))
    return noisy[:limit]
