"""Group commit for alert requests: requests that arrive while a transaction is running share the next one.

An alert storm is many small requests at once. Each request waits until its alerts are committed (a 202 is a
promise that nothing will be lost), but one transaction and one fsync carry every request that queued up in
the meantime, so throughput grows with the load instead of being one commit per request. Should a shared
transaction fail, its requests are tried one by one, so one bad request never fails the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.alerts.ingest import IngestResult, ingest_many
from bot.alerts.sources import NormalizedAlert
from bot.clock import Clock
from bot.config import Config
from bot.runtime.db import PRIORITY, Database, Priority
from bot.runtime.telemetry import Metrics

__all__ = ["Intake", "IntakeError"]

log = logging.getLogger(__name__)


class IntakeError(Exception):
    """The alerts were not stored; the sender should try again."""


@dataclass
class _Request:
    alerts: Sequence[NormalizedAlert]
    done: asyncio.Future[IngestResult] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Intake:
    def __init__(self, *, db: Database, config: Config, clock: Clock, metrics: Metrics, max_alerts: int = 2000) -> None:
        self.db = db
        self.metrics = metrics
        self.config = config
        self.clock = clock
        self.max_alerts = max_alerts  # per transaction: bounds how long one commit holds the database
        self._queue: list[_Request] = []
        self._arrived = asyncio.Event()
        self._closing = False
        self.received = 0  # requests submitted since start
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, alerts: Sequence[NormalizedAlert]) -> IngestResult:
        """Returns once the alerts are committed, with what was done for this request."""
        if self._closing:
            raise IntakeError("sevbot is shutting down")
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="alert-intake")
        request = _Request(alerts)
        self._queue.append(request)
        self.received += 1
        self._arrived.set()
        return await asyncio.shield(request.done)

    async def close(self) -> None:
        """Finishes what was submitted, then stops."""
        self._closing = True
        self._arrived.set()
        if self._worker is not None:
            await self._worker

    async def _run(self) -> None:
        PRIORITY.set(Priority.BOOKKEEPING)  # a storm's group commits wait behind people and incidents
        while self._queue or not self._closing:
            if not self._queue:
                await self._arrived.wait()
                self._arrived.clear()
                continue
            batch = self._take()
            try:
                await self._commit(batch)
            except Exception:
                if len(batch) == 1:
                    log.exception("alert request failed")
                    batch[0].done.set_exception(_failure())
                    continue
                log.warning("a shared alert transaction failed; trying its %d requests one by one", len(batch))
                for request in batch:
                    try:
                        await self._commit([request])
                    except Exception:
                        log.exception("alert request failed")
                        request.done.set_exception(_failure())

    def _take(self) -> list[_Request]:
        batch: list[_Request] = []
        count = 0
        while self._queue and (not batch or count + len(self._queue[0].alerts) <= self.max_alerts):
            request = self._queue.pop(0)
            batch.append(request)
            count += len(request.alerts)
        return batch

    async def _commit(self, batch: list[_Request]) -> None:
        async with self.db.session_scope() as session:
            results = await ingest_many(
                session, requests=[r.alerts for r in batch], config=self.config, now=self.clock.now()
            )
        self.metrics.alert_transactions.inc()
        for request, result in zip(batch, results, strict=True):
            if not request.done.done():
                request.done.set_result(result)


def _failure() -> IntakeError:
    return IntakeError("the alerts could not be stored")
