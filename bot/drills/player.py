"""Playing a drill: `start` records it (who, which scenario, at what speed, with whom); each tick sends the
scenario's alerts that have fallen due on the drill's clock through the same intake as real alerts, each once
whichever replica ticks (a compare-and-set on how many were sent, in the intake's own transaction). The first alert
opens the drill's incident, marked as a drill, in its own `drill-…` channel with its people."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts.ingest import ingest_many
from bot.alerts.sources import GenericAlert, NormalizedAlert
from bot.clock import Clock
from bot.config import Config
from bot.drills.identity import model_name
from bot.drills.library import library
from bot.drills.platform import world_of
from bot.drills.scenario import Scenario
from bot.errors import Problem, UserError
from bot.models import Drill, Incident, IncidentStatus
from bot.runtime.db import Database

__all__ = ["MAX_SPEED", "Player", "due_alerts", "hints_so_far", "start"]

log = logging.getLogger(__name__)
MAX_SPEED = 60
MAX_PEOPLE = 20


def scenario_named(drills_dir: Path | None, name: str) -> Scenario:
    known = library(drills_dir)
    found = known.get(name.lower())
    if found is None:
        raise UserError(Problem.UNKNOWN_SCENARIO, scenario=name, known=sorted(known))
    return found


async def start(
    session: AsyncSession,
    *,
    config: Config,
    scenario: str,
    speed: float,
    user: str,
    channel: str,
    people: list[str],
    now: datetime,
) -> Drill:
    """Record a drill; its alerts follow on its clock (the first, at 0m, at once)."""
    played = scenario_named(config.drills_dir, scenario)
    if not (1 <= speed <= MAX_SPEED):
        raise UserError(Problem.DRILL_SPEED, speed=f"{speed:g}", most=MAX_SPEED)
    everyone = list(dict.fromkeys([user, *people]))
    if len(everyone) > MAX_PEOPLE:
        raise UserError(Problem.TEXT_TOO_LONG, what="the drill's people", length=len(everyone), limit=MAX_PEOPLE)
    drill = Drill(scenario=played.name, speed=speed, started_at=now, started_by=user, channel=channel, people=everyone)
    session.add(drill)
    await session.flush()
    await play(session, drill=drill, scenario=played, config=config, now=now)
    return drill


def due_alerts(drill: Drill, scenario: Scenario, now: datetime) -> list[NormalizedAlert]:
    """The scenario's alerts due by `now` on the drill's clock, in order, as the monitoring would send them: about
    the drill's own model, with the live version's deploy time where the alert does not say."""
    world = world_of(drill, scenario)
    at = world.drill_time(now)
    assert drill.id is not None
    model = model_name(drill.id, scenario.name)
    deployed = {v.version: v.deployed for v in scenario.model.versions}
    alerts = []
    for event in sorted((e for e in scenario.events if e.alert is not None), key=lambda e: e.at):
        if event.at > at:
            break
        raw = dict(event.alert or {})
        live_deployed = deployed.get(world.live(world.wall_time(event.at)))
        if "deployed_at" not in raw and live_deployed is not None:
            raw["deployed_at"] = world.wall_time(live_deployed).isoformat()
        raw.setdefault("starts_at", world.wall_time(event.at).isoformat())
        alerts.append(GenericAlert.model_validate({**raw, "model": model}).normalize())
    return alerts


async def play(session: AsyncSession, *, drill: Drill, scenario: Scenario, config: Config, now: datetime) -> int:
    """Send what is due and not yet sent; returns how many were sent."""
    due = due_alerts(drill, scenario, now)
    sent = drill.alerts_sent  # read before the update, which refreshes the row in the session
    if len(due) <= sent:
        return 0
    claimed = await session.exec(
        update(Drill).where(col(Drill.id) == drill.id, col(Drill.alerts_sent) == sent).values(alerts_sent=len(due))
    )
    if claimed.rowcount != 1:
        return 0  # another replica sent them
    fresh = due[sent:]
    await ingest_many(session, requests=[fresh], config=config, now=now)
    return len(fresh)


def hints_so_far(drill: Drill, scenario: Scenario, now: datetime) -> list[str]:
    at = world_of(drill, scenario).drill_time(now)
    return [e.hint for e in sorted(scenario.events, key=lambda e: e.at) if e.hint and e.at <= at]


class Player:
    """The scheduler's tick for drills: each running drill's due alerts, through the intake."""

    STALE = timedelta(hours=12)  # a drill nobody finished stops sending after this long

    def __init__(self, *, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock

    async def tick(self) -> int:
        now = self.clock.now()
        async with self.db.session_scope() as session:
            running = (
                await session.exec(
                    select(Drill.id).where(col(Drill.ended_at).is_(None), col(Drill.started_at) >= now - self.STALE)
                )
            ).all()
        sent = 0
        for number in running:
            async with self.db.session_scope() as session:
                drill = await session.get(Drill, number)
                if drill is None or drill.ended_at is not None:
                    continue
                if drill.incident_id is not None:
                    incident = await session.get(Incident, drill.incident_id)
                    if incident is not None and incident.status == IncidentStatus.RESOLVED:
                        continue
                scenario = library(self.config.drills_dir).get(drill.scenario)
                if scenario is None:
                    log.warning("drill %s: scenario %s is gone from the library", number, drill.scenario)
                    continue
                sent += await play(session, drill=drill, scenario=scenario, config=self.config, now=now)
        return sent
