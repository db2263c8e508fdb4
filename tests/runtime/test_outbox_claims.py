"""Two replicas' outbox workers on one PostgreSQL, each working several rows at once: every row is done once, by one
of them, and each subject's rows in the order they were written. No Slack here: the dispatcher is domain code and
is handed a performer that records what it was asked to do."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.models import OutboxMessage
from bot.runtime.db import Database
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.migrate import upgrade_async
from bot.runtime.outbox import Failure, OutboxKind, Route, enqueue, group_subject
from bot.settings import to_async_url

SUBJECTS = 12
ROWS_PER_SUBJECT = 15


class Recorder:
    """Does a row by noting it, after a short wait like a Slack call's; tracks how many it had in flight."""

    def __init__(self, name: str, done: list[tuple[str, int, str]], seed: int) -> None:
        self.name = name
        self.done = done
        self.random = random.Random(seed)
        self.in_flight = 0
        self.most_in_flight = 0

    async def perform(self, message: OutboxMessage) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.random.uniform(0.001, 0.02))
            self.done.append((self.name, message.id or 0, message.subject))
        finally:
            self.in_flight -= 1

    def failure(self, exc: Exception) -> Failure:
        return Failure(reason=str(exc))

    @property
    def routes(self) -> dict[OutboxKind, Route]:
        return {OutboxKind.POST_EVENT: Route(do=self.perform, failure=self.failure)}


async def _write_rows(db: Database) -> dict[str, list[int]]:
    """Rows of many subjects, interleaved as they would be written by many incidents' changes."""
    written: dict[str, list[int]] = {}
    now = SystemClock().now()
    async with db.session_scope() as session:
        for n in range(ROWS_PER_SUBJECT):
            for group in range(SUBJECTS):
                row = await enqueue(
                    session, kind=OutboxKind.POST_EVENT, now=now, subject=group_subject(group + 1), step=n
                )
                written.setdefault(row.subject, []).append(row.id or 0)
    return written


@pytest.mark.postgres
async def test_two_replicas_with_parallel_workers_do_each_row_once_in_order(postgres_url: str) -> None:
    await upgrade_async(postgres_url)
    databases = [Database(url=to_async_url(postgres_url)) for _ in range(2)]  # two processes' own pools
    done: list[tuple[str, int, str]] = []
    recorders = [Recorder(f"replica-{n}", done, seed=n) for n in range(2)]
    dispatchers = [
        Dispatcher(db=db, routes=recorder.routes, clock=SystemClock(), concurrency=8)
        for db, recorder in zip(databases, recorders, strict=True)
    ]
    try:
        written = await _write_rows(databases[0])
        total = SUBJECTS * ROWS_PER_SUBJECT
        for _ in range(200):  # both drain at once until nothing is left
            await asyncio.gather(*(dispatcher.drain() for dispatcher in dispatchers))
            if len(done) >= total and await dispatchers[0].pending() == 0:
                break

        times = Counter(row for _, row, _ in done)
        assert sorted(times) == sorted(row for rows in written.values() for row in rows)
        assert set(times.values()) == {1}, [row for row, n in times.items() if n > 1]  # each row once
        for subject, rows in written.items():
            assert [row for _, row, s in done if s == subject] == rows  # in the order written
        by_replica = Counter(name for name, _, _ in done)
        assert set(by_replica) == {"replica-0", "replica-1"}, by_replica  # both took part
        assert all(r.most_in_flight > 1 for r in recorders), [r.most_in_flight for r in recorders]
    finally:
        for db in databases:
            await db.dispose()


async def test_one_worker_on_sqlite_keeps_order_with_rows_in_flight(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    await upgrade_async(url)
    db = Database(url=to_async_url(url))
    done: list[tuple[str, int, str]] = []
    recorder = Recorder("only", done, seed=7)
    dispatcher = Dispatcher(db=db, routes=recorder.routes, clock=SystemClock(), concurrency=8)
    try:
        written = await _write_rows(db)
        assert await dispatcher.drain() == SUBJECTS * ROWS_PER_SUBJECT
        assert sorted(row for _, row, _ in done) == sorted(row for rows in written.values() for row in rows)
        for subject, rows in written.items():
            assert [row for _, row, s in done if s == subject] == rows
        assert recorder.most_in_flight == 8  # as many subjects at once as it may
        assert await dispatcher.pending() == 0
    finally:
        await db.dispose()
