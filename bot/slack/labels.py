"""Button labels and form copy from `templates/labels.yml` (a team's `templates_dir` may override the file), filled
from the state they are about and cut to Block Kit's limit for a button's text."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.texts import TEMPLATES_DIR

__all__ = ["label", "use_overrides"]

MAX_LABEL = 75  # Block Kit: a button's text
_overrides: Path | None = None


def use_overrides(folder: Path | None) -> None:
    """The team's templates folder (sevbot.yml's templates_dir), read before ours."""
    global _overrides
    _overrides = folder
    _table.cache_clear()


@cache
def _table() -> dict[str, dict[str, str]]:
    ours: dict[str, dict[str, str]] = yaml.safe_load((TEMPLATES_DIR / "labels.yml").read_text(encoding="utf-8"))
    theirs = _overrides / "labels.yml" if _overrides is not None else None
    if theirs is not None and theirs.is_file():
        for group, entries in (yaml.safe_load(theirs.read_text(encoding="utf-8")) or {}).items():
            ours.setdefault(group, {}).update(entries or {})
    return ours


def label(key: str, /, **values: Any) -> str:
    """`label("buttons.roll_back", model="cv-detector")` → "Roll back cv-detector"."""
    group, name = key.split(".", 1)
    return _table()[group][name].format(**values)[:MAX_LABEL]
