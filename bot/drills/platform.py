"""A drill's simulated serving platform and metrics store, kept in its `drills` row so every replica sees the same
service: what is live, the fallback and review switches, canary traffic, and each containment done (which recovers
what the scenario says). `Platform` wraps the real factories: a drill's model reaches its drill, every other model
its own platform, so no drill can call a real serving platform."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import Clock, utc
from bot.config import ModelConfig
from bot.drills.identity import drill_id, scenario_of
from bot.drills.library import library
from bot.drills.scenario import Scenario
from bot.drills.world import Contained, World
from bot.metrics.base import MetricsSource, Series
from bot.models import Drill
from bot.runtime.db import Database
from bot.serving.base import Backend, Capability, ServingError, ServingState, Version

SourceFactory = Callable[[str, ModelConfig], MetricsSource | None]

__all__ = ["DrillBackend", "DrillSource", "Platform", "Unbound", "world_of"]


def world_of(drill: Drill, scenario: Scenario) -> World:
    contained = [
        Contained(
            kind=str(c["kind"]),
            at=utc(datetime.fromisoformat(c["at"])),
            until=utc(datetime.fromisoformat(c["until"])) if c.get("until") else None,
        )
        for c in drill.contained
    ]
    return World(scenario=scenario, started_at=drill.started_at, speed=drill.speed, contained=contained)


class _Drilled:
    def __init__(self, model: str, *, db: Database, clock: Clock, drills_dir: Path | None) -> None:
        self.db = db
        self.clock = clock
        self.drills_dir = drills_dir
        self.drill_model = model

    async def _drill(self) -> tuple[Drill, Scenario]:
        number, name = drill_id(self.drill_model), scenario_of(self.drill_model)
        scenario = library(self.drills_dir).get(name or "")
        async with self.db.session_scope() as session:
            drill = await session.get(Drill, number) if number is not None else None
        if drill is None or scenario is None or drill.scenario != name:
            raise ServingError(f"{self.drill_model} is no drill sevbot knows")
        return drill, scenario


class DrillBackend(_Drilled, Backend):
    name = "the drill's simulated model service"
    capabilities = frozenset(Capability)

    def __init__(self, model: str, settings: dict[str, Any], *, db: Database, clock: Clock, drills_dir: Path | None):
        Backend.__init__(self, model, settings)
        _Drilled.__init__(self, model, db=db, clock=clock, drills_dir=drills_dir)

    def _state(self, drill: Drill, scenario: Scenario) -> ServingState:
        world = world_of(drill, scenario)
        now = self.clock.now()
        versions = tuple(
            Version(
                version=v.version,
                created_at=world.wall_time(v.deployed) if v.deployed is not None else None,
                dataset=v.dataset,
                commit=v.commit,
            )
            for v in scenario.model.versions
        )
        service = drill.service
        live = str(service.get("live") or world.live(now))
        names = [v.version for v in versions]
        earlier = names[: names.index(live)] if live in names else []
        return ServingState(
            live=live,
            versions=versions,
            previous=service.get("previous") or (earlier[-1] if earlier else None),
            fallback=bool(service.get("fallback", False)),
            canary_percent=float(service.get("canary_percent") or 0.0),
            canary=service.get("canary"),
            review=bool(service.get("review", False)),
            details={"drill": drill.id},
            replicas=int(service.get("replicas") or 2),
        )

    async def describe(self) -> ServingState:
        drill, scenario = await self._drill()
        return self._state(drill, scenario)

    async def _move(self, kind: str, change: dict[str, Any], *, undo: bool = False) -> ServingState:
        drill, scenario = await self._drill()
        now = self.clock.now().isoformat()
        async with self.db.session_scope() as session:
            row = await session.get(Drill, drill.id)
            assert row is not None
            contained = [dict(c) for c in row.contained]
            if undo:
                for done in contained:
                    if done["kind"] == kind and not done.get("until"):
                        done["until"] = now
            else:
                contained.append({"kind": kind, "at": now})
            row.service = {**row.service, **change}
            row.contained = contained
            session.add(row)
            drill = row
        return self._state(drill, scenario)

    async def rollback(self, to: str) -> ServingState:
        state = await self.describe()
        if state.version(to) is None:
            raise ServingError(f"{self.model} has no version {to}")
        return await self._move("rollback", {"live": to, "previous": state.live})

    async def fallback(self, on: bool) -> ServingState:
        return await self._move("fallback", {"fallback": on}, undo=not on)

    async def canary(self, percent: float) -> ServingState:
        return await self._move("canary", {"canary_percent": percent, "canary": None if percent <= 0 else "canary"})

    async def review(self, on: bool) -> ServingState:
        return await self._move("review", {"review": on}, undo=not on)

    async def scale(self, replicas: int) -> ServingState:
        return await self._move("scale", {"replicas": replicas})

    async def restart(self) -> ServingState:
        return await self._move("restart", {})


class Unbound(Backend):
    """A drill's model asked of the plain factory (`bot.serving.backend_for`), which has no database: it can say what
    a drill's service can do, and refuses anything else rather than reach a real platform."""

    name = "the drill's simulated model service"
    capabilities = frozenset(Capability)

    async def describe(self) -> ServingState:
        raise ServingError(f"{self.model} is a drill's model: only its drill's service answers for it")


class DrillSource(_Drilled):
    """What the drill's metrics store reads: the scenario's world on the drill's clock (`World.dilated`)."""

    def __init__(self, model: str, scenario: Scenario, *, db: Database, clock: Clock, drills_dir: Path | None):
        super().__init__(model, db=db, clock=clock, drills_dir=drills_dir)
        self.metrics = set(scenario.model.healthy)

    def has(self, metric: str) -> bool:
        return metric in self.metrics

    async def series(
        self, metric: str, *, start: datetime, end: datetime, step: timedelta, version: str | None = None
    ) -> Series:
        drill, scenario = await self._drill()
        return world_of(drill, scenario).dilated(metric, start=start, end=end, step=step)


class Platform:
    """Routes a drill's model to its drill and every other model to the real factories."""

    def __init__(self, *, db: Database, clock: Clock, drills_dir: Path | None) -> None:
        self.db = db
        self.clock = clock
        self.drills_dir = drills_dir

    def backends(self, real: Callable[[str, ModelConfig], Backend]) -> Callable[[str, ModelConfig], Backend]:
        def backend_for(name: str, model: ModelConfig) -> Backend:
            if drill_id(name) is None:
                return real(name, model)
            return DrillBackend(name, {}, db=self.db, clock=self.clock, drills_dir=self.drills_dir)

        return backend_for

    def sources(self, real: SourceFactory) -> SourceFactory:
        def source_for(name: str, model: ModelConfig) -> MetricsSource | None:
            if drill_id(name) is None:
                return real(name, model)
            scenario = library(self.drills_dir).get(scenario_of(name) or "")
            if scenario is None:
                return None
            return DrillSource(name, scenario, db=self.db, clock=self.clock, drills_dir=self.drills_dir)

        return source_for
