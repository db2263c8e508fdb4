"""From a model's stored alerts to the facts triage decides on."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.clock import utc
from bot.config import SLO, ModelConfig
from bot.models import Alert, AlertStatus
from bot.triage import Facts, psi, sustained_breach
from bot.triage.kinds import KINDS, kind_of, plural

__all__ = ["facts_for", "natural_key", "scope_of"]


def _slo(metric: str | None, model: ModelConfig | None, alerts: Sequence[Alert]) -> SLO | None:
    if model is not None and metric in model.slos:
        return model.slos[metric]
    for alert in alerts:
        if alert.threshold is not None:
            below = alert.value is not None and alert.value < alert.threshold
            return SLO(min=alert.threshold) if below or alert.value is None else SLO(max=alert.threshold)
    return None


def _breaks(value: float, slo: SLO) -> bool:
    return value < slo.min if slo.min is not None else value > slo.max  # type: ignore[operator]


def _breaching(alert: Alert, slo: SLO | None) -> bool:
    """Fired is not breached: an alert counts as a slice in breach when its own value breaks the SLO (or there is
    no value or SLO to judge it by)."""
    return slo is None or alert.value is None or _breaks(alert.value, slo)


def _largest(alerts: Sequence[Alert], key: str) -> float | None:
    values = [float(a.details[key]) for a in alerts if isinstance(a.details.get(key), int | float)]
    return max(values) if values else None


def facts_for(alerts: Sequence[Alert], *, model: ModelConfig | None, now: datetime) -> Facts:
    firing = [a for a in alerts if a.status == AlertStatus.FIRING] or list(alerts)
    metric = Counter(a.metric for a in firing).most_common(1)[0][0] if firing else None
    about = [a for a in firing if a.metric == metric] or firing
    slo = _slo(metric, model, about)
    worst = [a.value for a in about if a.value is not None]
    value = (min(worst) if slo is None or slo.min is not None else max(worst)) if worst else None
    in_breach, total, label = 0, None, "slices"
    sliced = {str(a.details["slice_value"]) for a in about if a.details.get("slice_value") and _breaching(a, slo)}
    fired = {str(a.details["slice_value"]) for a in about if a.details.get("slice_value")}
    within = tuple(sorted(fired - sliced, key=natural_key))  # fired, but their own value is inside the SLO
    named = sorted(sliced, key=natural_key)
    if fired:
        in_breach = len(sliced)
        label = str(about[0].details.get("slice_label") or "slices")
        total_seen = _largest(about, "slices_total")
        total = max(int(total_seen), len(fired)) if total_seen else None
    for alert in about:
        per_slice: dict[str, float] = alert.details.get("slices") or {}
        if per_slice and slo is not None:
            named = sorted((name for name, v in per_slice.items() if _breaks(v, slo)), key=natural_key)
            in_breach = len(named)
            total = max(len(per_slice), int(alert.details.get("slices_total") or 0))
            label = str(alert.details.get("slice_label") or "slices")
    return Facts(
        model=about[0].model if about else None,
        metric=metric,
        value=value,
        slo=slo,
        baseline=_largest(about, "baseline"),
        slices_in_breach=in_breach,
        slices_total=total,
        slice_label=label,
        failure_rate=_largest(firing, "failure_rate"),
        breach_started=min((a.starts_at for a in firing if a.starts_at), default=None),
        now=now,
        deployed_at=max(
            (_when(a.details.get("deployed_at")) for a in firing if a.details.get("deployed_at")), default=None
        ),
        psi=_drift(firing),
        safety_critical=any(a.details.get("safety_critical") for a in firing),
        window=_window(about, slo),
        kind=_kind(metric, model, firing),
        slices_named=tuple(named),
        slices_within=within,
        known_model=model is not None,
    )


def _kind(metric: str | None, model: ModelConfig | None, alerts: Sequence[Alert]) -> str:
    """The SLO's kind in sevbot.yml, else an alert's `kind` label, else the metric's name; safety wins."""
    if any(a.details.get("safety_critical") for a in alerts):
        return "safety"
    configured = model.slos[metric].kind if model is not None and metric in model.slos else None
    labelled = next((a.labels.get("kind") for a in alerts if a.labels.get("kind") in KINDS), None)
    return kind_of(metric, configured or labelled)


def _when(value: Any) -> datetime:
    return utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))


def _drift(alerts: Sequence[Alert]) -> float | None:
    values = [float(a.details["psi"]) for a in alerts if isinstance(a.details.get("psi"), int | float)]
    for alert in alerts:
        histograms = alert.details.get("histograms")
        if histograms:
            values.append(float(psi(histograms["baseline"], histograms["current"]).max()))
    return max(values) if values else None


def _window(alerts: Sequence[Alert], slo: SLO | None):  # type: ignore[no-untyped-def]
    if slo is None:
        return None
    for alert in alerts:
        series = alert.details.get("series")
        if series:
            clean = [float("nan") if v is None else v for v in series["window"]]
            base = [float("nan") if v is None else v for v in series.get("baseline") or []] or None
            return sustained_breach(clean, slo_min=slo.min, slo_max=slo.max, baseline=base)
    return None


def natural_key(value: str) -> list[Any]:
    """Sort key putting cam-2 before cam-10."""
    return [int(part) if part.isascii() and part.isdigit() else part for part in re.split(r"([0-9]+)", value)]


def scope_of(alerts: Sequence[Alert], *, model: ModelConfig | None, now: datetime) -> dict[str, Any] | None:
    """What the firing alerts say about scope, as data for a person to start from (`templates/scope.txt.j2` says
    it: `16 of 40 cameras in breach: cam-23, …`); None when nothing fires."""
    if not any(a.status == AlertStatus.FIRING for a in alerts):
        return None
    facts = facts_for(alerts, model=model, now=now)
    firing = [a for a in alerts if a.status == AlertStatus.FIRING and a.metric == facts.metric]
    names = sorted({str(a.details["slice_value"]) for a in firing if a.details.get("slice_value")}, key=natural_key)
    return {
        "model": facts.model,
        "metric": facts.metric,
        "in_breach": facts.slices_in_breach,
        "total": facts.slices_total,
        "label": plural(facts.slice_label, facts.slices_in_breach),
        "names": names,
    }
