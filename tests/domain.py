"""For the domain's unit tests: a migrated SQLite database and plain configuration, no Slack, no emulator, no
network. Fast enough to run hundreds of cases (hypothesis) in seconds."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import SQLModel

from bot.config import Config, parse_config
from bot.runtime.db import Database
from tests.harness import CONFIG

__all__ = ["NOW", "Groups", "config", "database"]

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Groups:
    """A directory of responder groups known up front (the access rule's `Directory`)."""

    groups: dict[str, frozenset[str]] = field(default_factory=dict)

    async def members(self, group: str) -> frozenset[str]:
        return self.groups.get(group, frozenset())


def config(**extra: Any) -> Config:
    data = copy.deepcopy(CONFIG)
    data["models"]["cv-detector"]["serving"] = {"backend": "simulated"}
    data.update(extra)
    return parse_config(data)


async def database(folder: Path) -> AsyncIterator[Database]:
    """The schema from the models (the migrations have their own tests), on a file of its own."""
    path = folder / "domain.db"
    engine = create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    db = Database(url=f"sqlite+aiosqlite:///{path}")
    try:
        yield db
    finally:
        await db.dispose()
