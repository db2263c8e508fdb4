"""Works through the outbox: due rows, oldest first, one incident's rows strictly in order.

A row is claimed with a lease (an UPDATE that only one replica can win), done, then marked done. A failure
backs off (honouring Slack's `Retry-After`) and is tried again later: a Slack outage delays messages, it does
not drop them. A row that keeps failing for a reason of its own (a refused request) is set aside as failed
after `max_attempts`, so it cannot hold up the rest of its incident; failures of the whole workspace
(a bad token) never are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from slack_sdk.errors import SlackApiError
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.db import Database
from bot.models import OutboxMessage
from bot.outbox import COALESCING
from bot.slack.publisher import NotReady, Publisher, slack_error

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)
WORKSPACE_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "ratelimited", "fatal_error"}


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))


class Dispatcher:
    def __init__(
        self,
        *,
        db: Database,
        publisher: Publisher,
        clock: Clock,
        lease: timedelta = timedelta(seconds=120),
        poll_s: float = 1.0,
        max_attempts: int = 8,
        batch: int = 20,
    ) -> None:
        self.db = db
        self.publisher = publisher
        self.clock = clock
        self.lease = lease
        self.poll_s = poll_s
        self.max_attempts = max_attempts
        self.batch = batch
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
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

    async def drain(self) -> int:
        """Do every row that is due now; returns how many were tried."""
        tried = 0
        while True:
            candidates = await self._due()
            if not candidates:
                return tried
            progressed = False
            for message in candidates:
                if await self._claim(message):
                    progressed = True
                    tried += 1
                    await self._perform(message)
            if not progressed:
                return tried

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
                    sa.or_(col(OutboxMessage.next_attempt_at) <= self.clock.now(), col(OutboxMessage.attempts) > 0),
                )
            )
            return result.one()

    async def _due(self) -> Sequence[OutboxMessage]:
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
        async with self.db.session_scope() as session:
            result = await session.exec(
                select(OutboxMessage)
                .where(
                    col(OutboxMessage.done_at).is_(None),
                    col(OutboxMessage.failed).is_(False),
                    col(OutboxMessage.next_attempt_at) <= now,
                    sa.or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
                    ~blocked,
                )
                .order_by(col(OutboxMessage.id))
                .limit(self.batch)
            )
            return result.all()

    async def _claim(self, message: OutboxMessage) -> bool:
        now = self.clock.now()
        async with self.db.session_scope() as session:
            result = await session.exec(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id) == message.id,
                    col(OutboxMessage.done_at).is_(None),
                    sa.or_(col(OutboxMessage.lease_until).is_(None), col(OutboxMessage.lease_until) < now),
                )
                .values(lease_until=now + self.lease)
            )
            return bool(result.rowcount == 1)

    async def _perform(self, message: OutboxMessage) -> None:
        if message.kind in COALESCING and message.subject:
            await self._coalesce(message)
        try:
            await self.publisher.perform(message)
        except Exception as exc:
            await self._failed(message, exc)
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

    async def _failed(self, message: OutboxMessage, exc: Exception) -> None:
        error = _describe(exc)
        attempts = message.attempts + 1
        retry_after = _retry_after(exc)
        workspace_wide = isinstance(exc, SlackApiError) and slack_error(exc) in WORKSPACE_ERRORS
        give_up = attempts >= self.max_attempts and not workspace_wide and not isinstance(exc, NotReady)
        delay = timedelta(seconds=retry_after) if retry_after else _backoff(attempts)
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

    async def _finish(self, session: AsyncSession, message: OutboxMessage, *, done: bool) -> None:
        now: datetime = self.clock.now()
        await session.exec(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message.id)
            .values(done_at=now if done else None, lease_until=None, attempts=message.attempts + 1)
        )


def _describe(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return f"Slack said {slack_error(exc) or exc.response.status_code}"
    return f"{type(exc).__name__}: {exc}"


def _retry_after(exc: Exception) -> int | None:
    if isinstance(exc, SlackApiError) and exc.response is not None and exc.response.status_code == 429:
        value = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
        if isinstance(value, list):
            value = value[0]
        return int(value) if value and str(value).isdigit() else 1
    return None
