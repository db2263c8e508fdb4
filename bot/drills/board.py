"""What `/incident drill list` shows: every scenario a team can play, with its last score and how many times it was
played, and the drills under way; and a drill's hints, when someone asks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.drills.library import library
from bot.drills.player import hints_so_far
from bot.drills.scenario import Scenario
from bot.errors import Problem, UserError
from bot.incidents.timeline import EventKind, record_and_post
from bot.models import Drill, Incident

__all__ = ["Entry", "board", "hint"]


@dataclass
class Entry:
    scenario: Scenario
    played: int = 0
    last: dict[str, Any] | None = None  # the last scorecard
    previous: dict[str, Any] | None = None  # the one before, to see the trend
    running: list[Drill] = field(default_factory=list)


async def board(session: AsyncSession, *, config: Config) -> list[Entry]:
    entries = {name: Entry(scenario) for name, scenario in library(config.drills_dir).items()}
    for drill in (await session.exec(select(Drill).order_by(col(Drill.id).desc()))).all():
        entry = entries.get(drill.scenario)
        if entry is None:
            continue
        entry.played += 1
        if drill.ended_at is None:
            entry.running.append(drill)
        elif drill.scorecard and entry.last is None:
            entry.last = drill.scorecard
        elif drill.scorecard and entry.previous is None:
            entry.previous = drill.scorecard
    return list(entries.values())


async def hint(session: AsyncSession, *, config: Config, incident: Incident, user: str, now: datetime) -> None:
    """The hints the drill has given by now, posted for everyone in its channel (and on its timeline)."""
    drill = (await session.exec(select(Drill).where(Drill.incident_id == incident.id))).first()
    scenario = library(config.drills_dir).get(drill.scenario) if drill is not None else None
    if drill is None or scenario is None or incident.id is None:
        raise UserError(Problem.NOT_A_DRILL, command="drill hint")
    given = hints_so_far(drill, scenario, now)
    more = len(scenario.hints()) - len(given)
    await record_and_post(
        session, incident_id=incident.id, actor=user, kind=EventKind.HINT, at=now, hints=given, more=more
    )
