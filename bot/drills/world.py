"""What a drill's metrics read at a moment, from its scenario alone: the healthy values, the breaches that have
happened by then (per version and slice), and the containments done since (each recovers what its scenario says).
The drill's clock runs `speed` times faster than the wall's: at speed 10, a 60-minute SLO window passes in 6.

Pure: the player, its simulated service and verification (issue 24) read metrics through this."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.drills.scenario import Scenario

__all__ = ["Contained", "World"]


@dataclass(frozen=True)
class Contained:
    """A containment done during the drill, on the wall's clock."""

    kind: str  # rollback | fallback | canary | review
    at: datetime
    until: datetime | None = None  # undone then (the fallback switched off again)


@dataclass
class World:
    scenario: Scenario
    started_at: datetime  # the wall's time the drill began (the scenario's 0m)
    speed: float = 1.0
    contained: list[Contained] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not (0 < self.speed <= 60):
            raise ValueError("a drill's speed is between 1 (real time) and 60")

    def drill_time(self, at: datetime) -> timedelta:
        """Where the scenario's clock stands at the wall's `at` (0 at the start, negative before)."""
        return (at - self.started_at) * self.speed

    def wall_time(self, offset: timedelta) -> datetime:
        return self.started_at + offset / self.speed

    def live(self, at: datetime) -> str:
        """The version live at `at`: the last of `versions`, unless a deploy event says otherwise by then."""
        live = self.scenario.model.versions[-1].version
        deployed = [e for e in self.scenario.events if e.deploy is not None and e.at <= self.drill_time(at)]
        if deployed:
            live = max(deployed, key=lambda e: e.at).deploy or live
        return live

    def slice_values(self, metric: str, at: datetime) -> list[float]:
        """Each slice's value of `metric` at `at`, without noise."""
        model = self.scenario.model
        values = [model.healthy[metric]] * model.slices.count
        now = self.drill_time(at)
        live = self.live(at)
        for event in sorted(self.scenario.events, key=lambda e: e.at):
            breach = event.breach
            if breach is None or event.at > now or breach.metric != metric:
                continue
            if breach.version is not None and breach.version != live:
                continue
            for number in breach.slice_numbers(model.slices.count):
                values[number - 1] = breach.value
        for done in sorted(self.contained, key=lambda c: c.at):
            recovery = self.scenario.recovers.get(done.kind)  # type: ignore[call-overload]
            undone = done.until is not None and done.until <= at
            if done.at <= at and not undone and recovery is not None and metric in recovery.metrics:
                values = [recovery.metrics[metric]] * model.slices.count
        return values

    def value(self, metric: str, at: datetime, *, noisy: bool = True) -> float:
        """The model-wide value (the slices' mean), with the scenario's measurement noise (a share of the reading, so
        one scenario can hold a latency and an error rate), reproducible per moment."""
        values = self.slice_values(metric, at)
        mean = math.fsum(values) / len(values)
        if not noisy or not self.scenario.model.noise:
            return mean
        rng = random.Random(f"{self.scenario.name}:{metric}:{int(at.timestamp())}")
        return max(0.0, mean * (1 + rng.gauss(0, self.scenario.model.noise)))

    def dilated(self, metric: str, *, start: datetime, end: datetime, step: timedelta) -> list[tuple[float, float]]:
        """The drill's own clock laid over the wall's recent past, ending at `end`: at speed 10, the last wall minute
        reads what the drill's last ten minutes read. A metrics store answers a drill this way, so an SLO window is
        judged in the drill's time (60 drill minutes in 6 wall minutes). (unix time, value) points."""
        points = []
        now = self.drill_time(end)
        at = start
        while at <= end:
            points.append((at.timestamp(), round(self.value(metric, self.wall_time(now - (end - at))), 4)))
            at += step
        return points

    def series(self, metric: str, *, start: datetime, end: datetime, step: timedelta) -> list[tuple[datetime, float]]:
        points = []
        at = start
        while at <= end:
            points.append((at, self.value(metric, at)))
            at += step
        return points
