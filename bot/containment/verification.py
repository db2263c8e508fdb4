"""Has the SLO really recovered? Each SLO of a model, over its window, from the metrics backend.

Three verdicts: *recovered* (every point of the last window inside the SLO, and enough points to say so),
*not recovered*, and *inconclusive* (too few points or no data: missing data is never a pass). The significance
check is triage's: a permutation test of the window against the incident's breach period before it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from bot.clock import Clock
from bot.config import SLO, Config, ModelConfig
from bot.containment.ledger import Mark, mark
from bot.incidents.timeline import EventKind, record_and_post
from bot.metrics import MetricsError, MetricsSource, source_for
from bot.models import Action, Incident, IncidentStatus
from bot.recovery import Recovery, all_recovered
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind, enqueue
from bot.triage import sustained_breach

__all__ = ["SloVerdict", "assess", "record_verification", "verify_model"]

MIN_COVERAGE = 0.8  # of the window's expected points
SourceFactory = Callable[[str, ModelConfig], MetricsSource | None]


@dataclass(frozen=True)
class SloVerdict:
    metric: str
    bound: str  # "≥ 0.55" or "≤ 120"
    window: timedelta
    verdict: Recovery
    points: int
    expected: int
    current: float | None = None
    share_inside: float | None = None
    p_value: float | None = None  # is the window significantly better than the breach before it? (small: yes)
    reason: str = ""  # why inconclusive, as a code: no_data, too_few_points, no_query (the templates say it)
    series: list[tuple[float, float]] = field(default_factory=list)  # (unix time, value) across the incident
    name: str = ""  # as people write it (`mAP`): the SLO's `name`, else the metric's key

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "name": self.name or self.metric,
            "bound": self.bound,
            "window_s": self.window.total_seconds(),
            "verdict": self.verdict,
            "points": self.points,
            "expected": self.expected,
            "current": self.current,
            "share_inside": self.share_inside,
            "p_value": self.p_value,
            "reason": self.reason,
            "limit": self.limit,
            "series": [[round(t, 3), v] for t, v in self.series[-500:]],
        }

    @property
    def limit(self) -> float:
        return float(self.bound.split(" ", 1)[1])


def _inside(values: np.ndarray[Any, Any], slo: SLO) -> np.ndarray[Any, Any]:
    return values >= slo.min if slo.min is not None else values <= slo.max


def assess(metric: str, slo: SLO, series: list[tuple[float, float]], *, now: datetime, step: timedelta) -> SloVerdict:
    bound = f"≥ {slo.min:g}" if slo.min is not None else f"≤ {slo.max:g}"
    start = (now - slo.window).timestamp()
    times = np.array([t for t, _ in series], dtype=np.float64)
    values = np.array([v for _, v in series], dtype=np.float64)
    finite = np.isfinite(values)
    window = values[(times > start) & finite]
    before = values[(times <= start) & finite]
    expected = max(1, int(slo.window / step))
    base = {
        "metric": metric,
        "name": slo.name or metric,
        "bound": bound,
        "window": slo.window,
        "points": int(window.size),
        "expected": expected,
    }
    if window.size == 0:
        return SloVerdict(verdict=Recovery.INCONCLUSIVE, reason="no_data", series=series, **base)  # type: ignore[arg-type]
    current = float(window[-1])
    if window.size < max(5, math.ceil(MIN_COVERAGE * expected)):
        return SloVerdict(
            verdict=Recovery.INCONCLUSIVE,
            current=current,
            reason="too_few_points",
            series=series,
            **base,  # type: ignore[arg-type]
        )
    share = float(np.mean(_inside(window, slo)))
    check = sustained_breach(before, slo_min=slo.min, slo_max=slo.max, baseline=window) if before.size else None
    p_value = check.p_value if check is not None else None
    verdict = Recovery.RECOVERED if share == 1.0 else Recovery.NOT_RECOVERED
    return SloVerdict(
        verdict=verdict,
        current=current,
        share_inside=share,
        p_value=p_value,
        series=series,
        **base,  # type: ignore[arg-type]
    )


async def verify_model(
    model: ModelConfig, *, name: str, since: datetime, now: datetime, sources: SourceFactory = source_for
) -> list[SloVerdict]:
    """Each SLO over the incident and its window, from the model's metrics store. An SLO the store cannot read is
    inconclusive."""
    source = sources(name, model)
    verdicts: list[SloVerdict] = []
    for metric, slo in model.slos.items():
        bound = f"≥ {slo.min:g}" if slo.min is not None else f"≤ {slo.max:g}"
        step = max(slo.window / 120, timedelta(seconds=1))
        if source is None or not source.has(metric):
            verdicts.append(
                SloVerdict(
                    metric=metric,
                    name=slo.name or metric,
                    bound=bound,
                    window=slo.window,
                    verdict=Recovery.INCONCLUSIVE,
                    points=0,
                    expected=int(slo.window / step),
                    reason="no_query",
                )
            )
            continue
        start = min(since, now - slo.window) - slo.window
        verdicts.append(
            assess(metric, slo, await source.series(metric, start=start, end=now, step=step), now=now, step=step)
        )
    return verdicts


async def record_verification(
    db: Database,
    *,
    config: Config,
    clock: Clock,
    incident_id: int,
    model: str | None,
    asked_by: str | None,
    after_action: int | None,
    sources: SourceFactory = source_for,
) -> None:
    """Ask the metrics backend, record the verdicts on the timeline with their message, and queue the chart
    (after a containment action: "ready to resolve" or "not recovered in time")."""
    async with db.session_scope() as session:
        incident = await session.get(Incident, incident_id)
    if incident is None:
        raise ValueError(f"incident {incident_id} does not exist")
    name = model or incident.model or ""
    settings = config.model(name)
    if settings is None:
        return
    if after_action and incident.status == IncidentStatus.RESOLVED:
        return  # resolved meanwhile: nothing left to verify
    now = clock.now()
    try:
        verdicts = [
            v.as_dict()
            for v in await verify_model(settings, name=name, since=incident.declared_at, now=now, sources=sources)
        ]
        error = None
    except MetricsError as exc:
        verdicts, error = [], str(exc)
    async with db.session_scope() as session:
        event = await record_and_post(
            session,
            incident_id=incident_id,
            actor=asked_by or "sevbot",
            kind=EventKind.VERIFICATION,
            at=now,
            model=name,
            verdicts=verdicts,
            error=error,
            after_action=after_action,
        )
        if any(v.get("series") for v in verdicts):
            await enqueue(session, kind=OutboxKind.CHART, incident_id=incident_id, now=now, event_id=event.id)
        action = await session.get(Action, after_action) if after_action else None
        if action is not None and action.version_after and verdicts and all_recovered(verdicts):
            await mark(  # it held its SLOs for their window after containment: known good from now on
                session,
                model=action.model,
                version=action.version_after,
                mark=Mark.GOOD,
                now=now,
                incident_id=incident_id,
                action_id=action.id,
                reason="held its SLOs for their window after containment",
                evidence={"window_s": verdicts[0]["window_s"], "value": verdicts[0]["current"]},
            )
