"""The simulated model service's own quality, by which version was live when (the demo and the sandbox)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.config import Degradation
from bot.metrics.base import Series
from bot.serving.simulated import simulated_series

__all__ = ["SimulatedSource"]


class SimulatedSource:
    def __init__(
        self, *, model: str, quality: dict[str, float], degraded: Mapping[str, Degradation] | None = None
    ) -> None:
        self.model = model
        self.quality = quality
        self.degraded = dict(degraded or {})

    def has(self, metric: str) -> bool:
        return True  # the service reports its quality under any SLO's name

    async def series(
        self, metric: str, *, start: datetime, end: datetime, step: timedelta, version: str | None = None
    ) -> Series:
        return simulated_series(
            self.model, self.quality, start=start, end=end, step=step, degraded=self.degraded, version=version
        )
