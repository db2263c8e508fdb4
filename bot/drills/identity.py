"""A drill's model is its own: `drill-<id>-<scenario>`, resolved to a model configuration made from the scenario
(its SLOs, its fallback, the simulated service of that drill). Nothing in sevbot.yml may take such a name, so a
drill's containment, verification and alerts can never be taken for a real model's."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import ModelConfig
from bot.models import Drill

__all__ = ["PREFIX", "drill_for", "drill_id", "drill_model", "model_name", "scenario_of"]

PREFIX = "drill-"
_NAME = re.compile(r"^drill-(\d{1,9})-([a-z0-9][a-z0-9-]{0,40})$")


def model_name(drill: int, scenario: str) -> str:
    return f"{PREFIX}{drill}-{scenario}"


def drill_id(model: str | None) -> int | None:
    """The drill a model name belongs to, or None for a real model."""
    found = _NAME.match(model or "")
    return int(found.group(1)) if found else None


def scenario_of(model: str | None) -> str | None:
    found = _NAME.match(model or "")
    return found.group(2) if found else None


def drill_model(model: str, drills_dir: Path | None) -> ModelConfig | None:
    """The configuration of a drill's model, from its scenario; None when the name is no drill's (or the scenario is
    gone from the library)."""
    name = scenario_of(model)
    return _config(name, drills_dir) if name is not None else None


@functools.lru_cache(maxsize=64)
def _config(name: str, drills_dir: Path | None) -> ModelConfig | None:
    from bot.drills.library import library

    scenario = library(drills_dir).get(name)
    if scenario is None:
        return None
    drill = scenario.model
    slos = {metric: {k: v for k, v in slo.model_dump().items() if v is not None} for metric, slo in drill.slos.items()}
    return ModelConfig.model_validate(
        {
            "serving": {"backend": "simulated"},  # never read: a drill's model is served by its drill (bot.drills)
            "metrics": {"backend": "simulated"},
            "fallback": drill.fallback,
            "slos": slos,
        }
    )


async def drill_for(session: AsyncSession, model: str | None) -> Drill | None:
    """The drill a model name belongs to (None: a real model)."""
    number = drill_id(model)
    return await session.get(Drill, number) if number is not None else None
