"""The weekly digest: due on its weekday and time, claimed once per ISO week whichever replica ticks (two replicas'
own connection pools ticking at once, on SQLite and PostgreSQL), then posted once in the announcements channel."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.config import ConfigError, parse_config
from bot.insights.digest import Digests, due, week_of
from bot.models import OutboxMessage
from bot.runtime.db import Database
from bot.runtime.migrate import upgrade_async
from bot.runtime.outbox import OutboxKind
from bot.runtime.server import ServerOptions
from bot.settings import to_async_url
from tests.harness import CONFIG, running_bot
from tests.insights.test_tuning import seed

MONDAY_0905 = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)  # 2026-W48


def _config(**digest: object):  # type: ignore[no-untyped-def]
    config = copy.deepcopy(CONFIG)
    config["insights"] = {"digest": {"weekday": "monday", "at": "09:00", **digest}}
    return parse_config(config)


def test_when_it_is_due() -> None:
    settings = _config().insights.digest
    assert settings is not None
    assert due(settings, MONDAY_0905) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert due(settings, MONDAY_0905 + timedelta(days=6)) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Sunday
    assert week_of(MONDAY_0905) == "2026-W48"
    with pytest.raises(ConfigError, match=r"the weekly digest is posted in channels\.announcements"):
        config = copy.deepcopy(CONFIG)
        config["channels"] = {"alerts": "ml-alerts"}
        config["insights"] = {"digest": {}}
        parse_config(config)
    with pytest.raises(ConfigError, match=r"'9am' is not a time of day as HH:MM"):
        _config(at="9am")
    assert parse_config(CONFIG).insights.digest is None  # off by default
    unquoted = _config(at=810).insights.digest  # `at: 13:30` unquoted: YAML 1.1 reads it as 810 (base 60)
    assert unquoted is not None and unquoted.at == "13:30"


async def test_two_replicas_claim_each_week_once(database_url: str) -> None:
    await upgrade_async(database_url)
    clock = ManualClock(MONDAY_0905 - timedelta(minutes=10))
    config = _config()
    replicas = [Database(url=to_async_url(database_url)) for _ in range(2)]  # each process's own pool
    digests = [Digests(db=db, config=config, clock=clock) for db in replicas]
    try:
        assert not any(await asyncio.gather(*(d.tick() for d in digests)))  # 08:55: not yet
        clock.advance(timedelta(minutes=10))
        claimed = [c for _ in range(10) for c in await asyncio.gather(*(d.tick() for d in digests))]
        assert claimed.count(True) == 1
        clock.advance(timedelta(days=7))  # the next week's
        claimed = [c for _ in range(5) for c in await asyncio.gather(*(d.tick() for d in digests))]
        assert claimed.count(True) == 1
        async with replicas[0].session_scope() as session:
            rows = (await session.exec(select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.DIGEST))).all()
        assert [r.payload for r in rows] == [{"week": "2026-W48", "days": 7}, {"week": "2026-W49", "days": 7}]
    finally:
        for db in replicas:
            await db.dispose()


async def test_the_digest_in_the_announcements_channel(tmp_path: Path) -> None:
    clock = ManualClock(MONDAY_0905)
    options = ServerOptions(clock=clock, poll_s=0.05, tick_s=0)
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=_config(), options=options) as bot:
        await seed(bot.services.db)
        assert await bot.services.digests.tick()
        assert not await bot.services.digests.tick()
        await bot.settled()
        (said,) = [m for m in bot.seen(bot.channel("incidents").id) if "Weekly ML incident digest" in m]
        assert "*Weekly ML incident digest · 2026-W48*" in said
        assert "*The last 7 days*" in said
        assert "• *PSIAboveLimit* on `ranker`: 12 of 14 noise (12 dismissed)" in said
