"""A model service in memory, for `sevbot demo` and for trying sevbot out: versions with lineage, a fallback
switch, canary traffic and human review. Its state lives in the process, shared by every backend object for the
same model, so a demo can watch it change."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from bot.config import Degradation
from bot.serving.base import Backend, Capability, ServingError, ServingState, Version

__all__ = ["SimulatedBackend", "simulated_series"]

NOISE = 0.004  # the standard deviation of a reading: an evaluation over a window of frames, not a constant


def _versions(settings: dict[str, Any]) -> tuple[Version, ...]:
    given = settings.get("versions") or [
        {"version": "1.8.2", "dataset": "a91c3e0", "commit": "4be1f0c9", "created_at": "2026-10-30T09:00:00Z"},
        {"version": "2.0.0", "dataset": "b4f7a10", "commit": "9d2c7a1e", "created_at": "2026-11-22T02:40:00Z"},
    ]
    return tuple(Version.from_dict(v) for v in given)


class SimulatedBackend(Backend):
    name = "the simulated model service"
    capabilities = frozenset(Capability)
    services: ClassVar[dict[str, ServingState]] = {}
    history: ClassVar[dict[str, list[tuple[datetime, str]]]] = {}  # when each version went live
    clock: ClassVar[Callable[[], datetime]] = staticmethod(lambda: datetime.now(UTC))

    @classmethod
    def reset(cls, clock: Callable[[], datetime]) -> None:
        cls.services.clear()
        cls.history.clear()
        cls.clock = staticmethod(clock)

    def _state(self) -> ServingState:
        if self.model not in self.services:
            versions = _versions(self.settings)
            live = str(self.settings.get("live") or versions[-1].version)
            names = [v.version for v in versions]  # listed oldest first: the previous is the one listed before live
            earlier = names[: names.index(live)] if live in names else [n for n in names if n != live]
            self.services[self.model] = ServingState(
                live=live,
                versions=versions,
                previous=earlier[-1] if earlier else None,
                fallback=False,
                canary_percent=float((self.settings.get("canary") or {}).get("percent") or 0.0),
                canary=(self.settings.get("canary") or {}).get("version"),  # `canary: {version, percent}`: the demo
                review=False,
                details={"since": datetime.now(UTC).isoformat()},
                replicas=int(self.settings.get("replicas") or 2),
            )
        return self.services[self.model]

    def _set(self, state: ServingState) -> ServingState:
        if self.settings.get("fail"):
            raise ServingError(str(self.settings["fail"]))
        self.services[self.model] = state
        if state.live is not None:
            self.history.setdefault(self.model, []).append((type(self).clock(), state.live))
        return state

    async def describe(self) -> ServingState:
        return self._state()

    async def rollback(self, to: str) -> ServingState:
        state = self._state()
        if state.version(to) is None:
            raise ServingError(f"{self.model} has no version {to}")
        return self._set(replace(state, live=to, previous=state.live))

    async def fallback(self, on: bool) -> ServingState:
        return self._set(replace(self._state(), fallback=on))

    async def canary(self, percent: float) -> ServingState:
        configured = (self.settings.get("canary") or {}).get("version")
        return self._set(replace(self._state(), canary_percent=percent, canary=configured if percent > 0 else None))

    async def review(self, on: bool) -> ServingState:
        return self._set(replace(self._state(), review=on))

    async def scale(self, replicas: int) -> ServingState:
        return self._set(replace(self._state(), replicas=replicas))

    async def restart(self) -> ServingState:
        state = self._state()
        return self._set(replace(state, details={**state.details, "restarted_at": type(self).clock().isoformat()}))


def simulated_series(
    model: str,
    quality: dict[str, float],
    *,
    start: datetime,
    end: datetime,
    step: timedelta,
    degraded: Mapping[str, Degradation] | None = None,
    version: str | None = None,
) -> list[tuple[float, float]]:
    """The metric the simulated service reports: each version's `quality` (from sevbot.yml), by what was live
    when, with measurement noise (the same at the same instant, so a chart drawn twice is the same chart). A version
    `degraded` reports the mean of its slices once its slices fall: the model-wide value, as a metrics store would
    aggregate it. Versions not listed report nothing (a gap, as a real outage). With `version`, that version's own
    reading whatever is live (a canary beside the stable one), from when it was made."""
    changes = SimulatedBackend.history.get(model) or []
    state = SimulatedBackend.services.get(model)
    first = state.live if state and not changes else None
    if state is not None and changes:  # before sevbot changed anything: the version it moved away from
        first = next((v.version for v in state.versions if v.version != changes[0][1]), None)
    series: list[tuple[float, float]] = []
    t = start
    while t <= end:
        live, since = first, None
        if live is not None and state is not None:  # not before it existed: the newest version created by then
            made = state.version(live)
            if made is not None and made.created_at is not None and made.created_at > t:
                older = [v for v in state.versions if v.created_at is not None and v.created_at <= t]
                made = max(older, key=lambda v: v.created_at or t) if older else made
            live, since = (made.version, made.created_at) if made is not None else (live, None)
        for when, changed_to in changes:
            if when <= t:
                live, since = changed_to, when
        if version is not None:
            made = state.version(version) if state is not None else None
            live, since = version, made.created_at if made is not None else None
        if live in quality:
            value = quality[live]
            story = (degraded or {}).get(live)
            if story is not None and since is not None and t >= since + story.after:
                value = (story.slices * story.value + (story.of - story.slices) * value) / story.of
            noise = random.Random(f"{model}:{int(t.timestamp())}").gauss(0, NOISE)
            series.append((t.timestamp(), round(value + noise, 4)))
        t += step
    return series
