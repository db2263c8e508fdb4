"""Drills: scripted incidents from the runbooks' worked examples (and the team's own), as data."""

from bot.drills.library import DrillError, built_in, scenarios
from bot.drills.scenario import Scenario

__all__ = ["DrillError", "Scenario", "built_in", "scenarios"]
