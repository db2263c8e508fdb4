"""What verification needs of a metrics store: an SLO metric of a model as (unix time, value) points over a range."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

__all__ = ["MetricsError", "MetricsSource", "Series"]

Series = list[tuple[float, float]]


class MetricsError(Exception):
    """The metrics store could not be asked; the message is for people."""


class MetricsSource(Protocol):
    def has(self, metric: str) -> bool:
        """Whether this store knows how to read the metric (Prometheus: a query for it in sevbot.yml)."""
        ...

    async def series(
        self, metric: str, *, start: datetime, end: datetime, step: timedelta, version: str | None = None
    ) -> Series:
        """The metric over a range; with `version`, that version's alone (a guardrail: canary against stable)."""
        ...
