"""Which world an incident lives in: production, or a drill of its own. One domain service that every path asks — a
typed command, a card's button, a form, *Confirm*, a countdown, a scheduled verification, a runbook action, a page,
a freeze — before it names a model or reaches past sevbot's own records.

In a drill's world, the model the scenario talks about (`cv-detector`, as the brief calls it) and the drill's own
name for it (`drill-3-bad-retrain`) both mean the drill's simulated service; any other model is out of reach, and
nothing real (a serving platform, a metrics store, a runbook endpoint, the deploy gate, a pager, a ticket, the
version ledger) is reached from it. In production a name means itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import Problem, UserError
from bot.incidents.records import by_channel
from bot.models import Incident

__all__ = ["PRODUCTION", "World", "of_channel", "of_incident", "real"]


@dataclass(frozen=True, kw_only=True)
class World:
    """Production (`scenario` None), or one drill: its scenario, the drill's own name for its model
    (`drill-3-bad-retrain`, which its simulated service answers for) and the scenario's (`cv-detector`)."""

    incident: Incident | None = None
    scenario: str | None = None
    drill_model: str | None = None
    said_model: str | None = None

    @property
    def real(self) -> bool:
        """Whether what happens here may reach the world outside sevbot's records."""
        return self.scenario is None

    def model(self, typed: str) -> str:
        """The model a typed name means here. In a drill's world only its model can be meant (by either name); any
        other name is refused, so no real model is reached from a drill's channel."""
        if self.real or not typed:
            return typed
        if typed.lower() in {n.lower() for n in (self.drill_model, self.said_model) if n}:
            return self.drill_model or typed
        raise UserError(
            Problem.DRILL_OTHER_MODEL,
            typed=typed,
            model=self.said_model or self.drill_model,
            incident=self.incident.id if self.incident else None,
        )

    def check_reaches(self, step: str) -> None:
        """Refuses a step that would reach something real (`page`, `run`, `freeze`, `declare`) from a drill."""
        if not self.real:
            raise UserError(
                Problem.DRILL_TOUCHES_NOTHING, step=step, incident=self.incident.id if self.incident else None
            )


PRODUCTION = World()


def real(incident: Incident | None) -> bool:
    """Whether what happens to `incident` may reach the world: not for a drill's."""
    return incident is None or incident.drill is None


def _said_model(scenario: str, drills_dir: Path | None) -> str | None:
    from bot.drills.library import library  # the library loads the scenarios' YAML once, on first use

    found = library(drills_dir).get(scenario)
    return found.model.name if found is not None else None


def of_incident(incident: Incident | None, *, drills_dir: Path | None) -> World:
    """The world `incident` lives in (production for none)."""
    if incident is None or incident.drill is None:
        return World(incident=incident)
    return World(
        incident=incident,
        scenario=incident.drill,
        drill_model=incident.model,
        said_model=_said_model(incident.drill, drills_dir),
    )


async def of_channel(session: AsyncSession, channel: str, *, drills_dir: Path | None) -> World:
    """The world of whatever is typed or clicked in `channel`: its incident's, else production."""
    return of_incident(await by_channel(session, channel) if channel else None, drills_dir=drills_dir)
