"""Alembic, driven from code: `sevbot db upgrade`, `sevbot serve` at start, and the tests."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.config import Config as AlembicConfig

from bot import resources

__all__ = ["MIGRATIONS_DIR", "alembic_config", "downgrade", "upgrade", "upgrade_async"]

MIGRATIONS_DIR = resources.folder("migrations")


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig(str(MIGRATIONS_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


async def upgrade_async(url: str) -> None:
    """Alembic's async env runs its own event loop, so give it a thread of its own."""
    await asyncio.to_thread(upgrade, url)
