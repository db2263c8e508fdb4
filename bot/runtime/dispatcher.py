"""Works through the outbox: due rows, oldest first; different subjects (incidents, alert cards, actions) at once,
up to `concurrency` rows in flight; one subject's rows strictly in order (a row is not due while an earlier row
of its subject is undone, and a row in flight is leased).

Due rows are claimed with a lease in one statement (an UPDATE only one replica can win; on PostgreSQL, `FOR UPDATE
SKIP LOCKED` lets replicas claim side by side without waiting on each other), done, then marked done. A rate
limit waits for that method's `Retry-After` (without sleeping in the worker) and never counts toward giving up;
5xx, timeouts and dropped connections back off (up to 5 minutes) and are tried again for as long as the incident is
open: a Slack outage delays messages, it does not drop them. A
permanent refusal (`restricted_action`, `missing_scope`, `invalid_arguments`, `not_in_channel`…) is set aside at
once with its reason, logged and counted, so later rows proceed; where people would miss the step, the incident
channel is told what could not be done. Failures of the whole workspace (a bad token) are never set aside.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.models import Incident, IncidentStatus, OutboxMessage
from bot.runtime.db import PRIORITY, Database, Priority
from bot.runtime.outbox import BOOKKEEPING, COALESCING, URGENT, Failure, OutboxKind, Route, Routes

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)


URGENT_ROOM = 4  # pages in flight beyond `concurrency`, so rows stuck on a slow Slack never hold one back
URGENT_LOOK_S = 0.1  # with every slot busy, how often due pages are looked for


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))


class Dispatcher:
    def __init__(
        self,
        *,
        db: Database,
        routes: Routes,
        clock: Clock,
        lease: timedelta = timedelta(seconds=120),
        poll_s: float = 1.0,
        max_age: timedelta = timedelta(hours=24),
        batch: int = 20,
        concurrency: int = 8,
        on_set_aside: Callable[[OutboxMessage, str], Awaitable[None]] | None = None,
    ) -> None:
        self.db = db
        self.routes = routes
        self.clock = clock
        self.lease = lease
        self.poll_s = poll_s
        self.max_age = max_age  # transient failures of a row no open incident waits for give up after this long
        self.batch = batch
        self.concurrency = max(1, concurrency)
        self.on_set_aside = on_set_aside  # tells the channel / counts it (the server wires this)
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()
        self.performing = 0  # rows being done now, with what follows a failure (telling the channel)

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        PRIORITY.set(Priority.INCIDENT)  # this task's transactions wait behind requests'; its rows set their own
        while True:
            try:
                done = await self.drain()
            except Exception:
                log.exception("outbox pass failed; trying again")
                done = 0
            if done == 0:
                self.idle.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_s)
                self._wake.clear()
                self.idle.clear()

    async def release_leases(self) -> int:
        """At start on SQLite, where this is the only process: rows a killed predecessor had in flight are taken up at
        once instead of after their lease (on PostgreSQL another replica may hold them, so leases run out instead)."""
        async with self.db.session_scope() as session:
            result = await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.done_at).is_(None), col(OutboxMessage.lease_until).is_not(None))
                .values(lease_until=None, attempts=OutboxMessage.attempts + 1)  # that try may have acted
            )
            return int(result.rowcount or 0)

    async def drain(self) -> int:
        """Do every row that is due now, several subjects at once; returns how many were tried."""
        tried = 0
        running: set[asyncio.Task[None]] = set()
        looked = 0.0  # when pages were last looked for with every slot busy
        try:
            while True:
                self._wake.clear()  # a row queued from here on wakes the wait below
                full = len(running) >= self.concurrency
                claimed: list[OutboxMessage] = []
                if not full:
                    claimed = await self._claim_due(self.concurrency - len(running))
                elif len(running) < self.concurrency + URGENT_ROOM and time.monotonic() - looked >= URGENT_LOOK_S:
                    # every slot busy (Slack slow or down): a page still goes, beside them. Looked for at most
                    # every URGENT_LOOK_S, not at each wake: a storm wakes this loop thousands of times a second
                    looked = time.monotonic()
                    claimed = await self._claim_due(self.concurrency + URGENT_ROOM - len(running), urgent=True)
                for message in claimed:
                    tried += 1
                    running.add(asyncio.create_task(self._perform(message), name=f"outbox-{message.id}"))
                if not running:
                    return tried
                woken = asyncio.create_task(self._wake.wait())
                try:
                    done, _ = await asyncio.wait(
                        {*running, woken},
                        return_when=asyncio.FIRST_COMPLETED,
                        timeout=URGENT_LOOK_S if len(running) >= self.concurrency else None,
                    )
                finally:
                    woken.cancel()
                running -= done
        finally:
            for task in running:  # cancelled (shutdown): their leases expire and another pass takes them
                task.cancel()
            if running:  # let each roll its transaction back and return its connection before the loop goes
                await asyncio.gather(*running, return_exceptions=True)

    async def pending(self) -> int:
        """Rows owed now, or being retried; a row scheduled for later (a verification an hour after a rollback)
        counts once it falls due."""
        async with self.db.session_scope() as session:
            result = await session.exec(
                select(sa.func.count())
                .select_from(OutboxMessage)
                .where(
                    col(OutboxMessage.done_at).is_(None),
                    col(OutboxMessage.failed).is_(False),
                    # due now, or being retried (a failure or a wait, such as a rate limit, is on record)
                    sa.or_(
                        col(OutboxMessage.next_attempt_at) <= self.clock.now(),
                        col(OutboxMessage.attempts) > 0,
                        col(OutboxMessage.last_error).is_not(None),
                    ),
                )
            )
            return result.one()

    async def _claim_due(self, room: int, *, urgent: bool = False) -> list[OutboxMessage]:
        """Claim up to `room` rows that are due, oldest first, in one statement: each is leased to this process.
        A row is due when its time has come, nobody holds its lease and no earlier row of its subject is undone. On
        PostgreSQL the rows another replica is claiming at that moment are skipped (`FOR UPDATE SKIP LOCKED`), not
        waited for; whichever claims a row first holds it, so each row is done by one replica."""
        now = self.clock.now()
        earlier = sa.orm.aliased(OutboxMessage)
        blocked = (
            select(earlier.id)
            .where(
                earlier.subject == OutboxMessage.subject,
                col(earlier.subject) != "",
                col(earlier.id) < OutboxMessage.id,
                col(earlier.done_at).is_(None),
                col(earlier.failed).is_(False),
            )
            .exists()
        )
        due = (
            select(OutboxMessage.id)
            .where(
                col(OutboxMessage.done_at).is_(None),
                col(OutboxMessage.failed).is_(False),
                col(OutboxMessage.next_attempt_at) <= now,
                sa.or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
                ~blocked,
                col(OutboxMessage.kind).in_([str(k) for k in URGENT]) if urgent else sa.true(),
            )
            .order_by(  # pages first; an incident's own rows before alert and storm cards: a storm slows no incident
                sa.case(
                    (col(OutboxMessage.kind).in_([str(k) for k in URGENT]), 0),
                    (col(OutboxMessage.kind).in_([str(k) for k in BOOKKEEPING]), 2),
                    else_=1,
                ),
                col(OutboxMessage.id),
            )
            .limit(min(room, self.batch))
            .with_for_update(skip_locked=True)  # nothing on SQLite, where one process runs
        )
        claim = (
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(due.scalar_subquery()))
            .values(
                lease_until=now + self.lease,
                # a lease still set was another try's, cut off (a crash, a replica gone): it may have acted
                attempts=sa.case(
                    (col(OutboxMessage.lease_until).is_not(None), OutboxMessage.attempts + 1),
                    else_=OutboxMessage.attempts,
                ),
            )
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        async with self.db.session_scope() as session:
            claimed = (await session.exec(claim)).scalars().all()
        return sorted(claimed, key=lambda message: message.id or 0)

    async def _perform(self, message: OutboxMessage) -> None:
        self.performing += 1
        try:
            await self._do(message)
        finally:
            self.performing -= 1

    async def _do(self, message: OutboxMessage) -> None:
        if message.kind in COALESCING and message.subject:
            await self._coalesce(message)
        route = self._route(message)
        PRIORITY.set(Priority.BOOKKEEPING if message.kind in BOOKKEEPING else Priority.INCIDENT)  # this row's task
        try:
            await route.do(message)
        except Exception as exc:
            await self._failed(message, route, exc)
            return
        async with self.db.session_scope() as session:
            await self._finish(session, message, done=True)

    async def _coalesce(self, message: OutboxMessage) -> None:
        """A refresh renders its subject as it is now, so the same refreshes queued behind it are done by it."""
        async with self.db.session_scope() as session:
            await session.exec(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.subject) == message.subject,
                    col(OutboxMessage.kind) == message.kind,
                    col(OutboxMessage.id) > message.id,
                    col(OutboxMessage.done_at).is_(None),
                    col(OutboxMessage.lease_until).is_(None),
                )
                .values(done_at=self.clock.now())
            )

    def _route(self, message: OutboxMessage) -> Route:
        try:
            return self.routes[OutboxKind(message.kind)]  # every kind has one (tests/runtime/test_outbox_routes.py)
        except (ValueError, KeyError):
            return Route(do=_unknown, failure=lambda exc: Failure(reason=str(exc), permanent=True))

    async def _failed(self, message: OutboxMessage, route: Route, exc: Exception) -> None:
        failure = route.failure(exc)  # the side that did the work says what kind of failure it was
        error = failure.reason
        # a wait (a rate limit, an earlier step) is no failed try: it neither backs off further nor counts as a try
        # that may have acted
        attempts = message.attempts if failure.waiting else message.attempts + 1
        give_up = failure.permanent or (
            not failure.waiting and not failure.workspace and await self._nobody_waits(message)
        )
        delay = timedelta(seconds=failure.retry_after_s) if failure.retry_after_s else _backoff(attempts)
        level = logging.ERROR if give_up else logging.WARNING
        log.log(
            level,
            "outbox %s #%s (INC-%s) failed, attempt %d: %s%s",
            message.kind,
            message.id,
            message.incident_id,
            attempts,
            error,
            " — giving up" if give_up else f" — retry in {delay}",
        )
        async with self.db.session_scope() as session:
            await session.exec(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == message.id)
                .values(
                    attempts=attempts,
                    last_error=error[:2000],
                    lease_until=None,
                    failed=give_up,
                    next_attempt_at=self.clock.now() + delay,
                )
            )
        if give_up and self.on_set_aside is not None:
            try:
                await self.on_set_aside(message, error)
            except Exception:
                log.exception("telling the channel about outbox row #%s failed", message.id)

    async def _nobody_waits(self, message: OutboxMessage) -> bool:
        """A transient failure is tried again for as long as the row's incident is open: a Slack outage delays the
        work, it never drops it. A row no open incident waits for gives up once it is older than `max_age`."""
        if self.clock.now() - message.created_at < self.max_age:
            return False
        if message.incident_id is None:
            return True
        async with self.db.session_scope() as session:
            incident = await session.get(Incident, message.incident_id)
        return incident is None or incident.status == IncidentStatus.RESOLVED

    async def _finish(self, session: AsyncSession, message: OutboxMessage, *, done: bool) -> None:
        now: datetime = self.clock.now()
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message.id)
            .values(done_at=now if done else None, lease_until=None, attempts=message.attempts + 1)
        )


async def _unknown(message: OutboxMessage) -> None:
    raise ValueError(f"no route for outbox kind {message.kind!r}")
