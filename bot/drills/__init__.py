"""Drills: scripted incidents from the runbooks' worked examples (and the team's own), played in Slack against a
simulated service and scored. `bot.drills.player` starts and plays one, `board` lists them, `scorecard` scores one,
`platform` is its simulated service; `bot.world` keeps it from touching anything real. (The package itself imports
only what the configuration needs: the alert intake imports `identity`.)"""

from bot.drills.library import DrillError, built_in, library, scenarios
from bot.drills.scenario import Scenario

__all__ = ["DrillError", "Scenario", "built_in", "library", "scenarios"]
