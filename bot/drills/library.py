"""The drill scenarios a team can play: sevbot's own (one per worked example of the runbooks) and the team's YAML in
`drills_dir`, each validated against `Scenario`; a file that is wrong is named with the field and why."""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.drills.scenario import Scenario

__all__ = ["BUILT_IN", "DrillError", "built_in", "library", "load", "scenarios"]

BUILT_IN = resources.files("bot.drills") / "scenarios"


class DrillError(Exception):
    """A scenario file is wrong: `problems` name each field and why."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function-"))


def parse(text: str, *, source: str) -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise DrillError(source, [f"not valid YAML: {where}{getattr(exc, 'problem', None) or exc}"]) from None
    if not isinstance(data, dict):
        raise DrillError(source, ["a scenario is a mapping (name:, title:, model:, events:, …)"])
    data.setdefault("name", re.sub(r"\.ya?ml$", "", Path(source).name))
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = str(err["msg"]).removeprefix("Value error, ")
            where = _where(err["loc"])
            problems.append(message if message.startswith(f"{where}:") or not where else f"{where}: {message}")
        raise DrillError(source, problems) from None


def load(path: Path) -> Scenario:
    return parse(path.read_text(encoding="utf-8"), source=str(path))


def built_in() -> dict[str, Scenario]:
    found = {}
    for entry in sorted(BUILT_IN.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yml"):
            scenario = parse(entry.read_text(encoding="utf-8"), source=f"built-in {entry.name}")
            found[scenario.name] = scenario
    return found


def scenarios(drills_dir: Path | None) -> dict[str, Scenario]:
    """Every scenario by name: the built-in ones, then the team's (a team's scenario of the same name wins). Every
    problem of every file is said at once."""
    found = built_in()
    if drills_dir is None:
        return found
    if not drills_dir.is_dir():
        raise DrillError(str(drills_dir), ["drills_dir: no such folder"])
    problems: list[str] = []
    for path in sorted([*drills_dir.glob("*.yml"), *drills_dir.glob("*.yaml")]):
        try:
            scenario = load(path)
        except DrillError as exc:
            problems += [f"{path.name}: {p}" for p in exc.problems]
            continue
        found[scenario.name] = scenario
    if problems:
        raise DrillError(str(drills_dir), problems)
    return found


@functools.lru_cache(maxsize=8)
def library(drills_dir: Path | None) -> dict[str, Scenario]:
    """`scenarios`, read once per process (what a running sevbot plays; `sevbot check` reads the files afresh)."""
    return scenarios(drills_dir)
