"""Metrics stores behind one Protocol (`bot.metrics.base.MetricsSource`): where verification reads a model's SLO
metrics over time. `source_for` picks a model's from the `metrics.backend` key of sevbot.yml: Prometheus's
`query_range`, or the simulated service the demo and the sandbox run."""

from __future__ import annotations

from bot.config import ModelConfig
from bot.metrics.base import MetricsError, MetricsSource, Series
from bot.metrics.prometheus import PrometheusSource
from bot.metrics.simulated import SimulatedSource

__all__ = ["MetricsError", "MetricsSource", "Series", "source_for"]


def source_for(name: str, model: ModelConfig, *, timeout_s: float = 20.0) -> MetricsSource | None:
    """The model's metrics store, or None when sevbot.yml names none."""
    metrics = model.metrics
    from bot.drills.identity import drill_id

    if metrics is None or drill_id(name) is not None:  # a drill's store is its drill's (bot.drills.platform)
        return None
    if metrics.backend == "simulated":
        quality = {k: float(v) for k, v in (model.serving.model_dump().get("quality") or {}).items()}
        return SimulatedSource(model=name, quality=quality, degraded=model.serving.degradations())
    return PrometheusSource(url=str(metrics.url), queries=metrics.queries, timeout_s=timeout_s)
