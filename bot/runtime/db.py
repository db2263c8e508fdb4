"""The async engine and one transaction per interaction or job."""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import IntEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.runtime import sqlite_loop

__all__ = ["PRIORITY", "Database", "Priority", "upsert"]


class Priority(IntEnum):
    """Who is waiting on a transaction, in the order SQLite's one writer serves them."""

    PERSON = 0  # a request a person waits on (the ack)
    INCIDENT = 1  # an incident's own work: its channel, card and messages (the outbox)
    BOOKKEEPING = 2  # what can wait a moment: alert intake's group commits, alert and storm cards, the ticks


# Set by the outbox worker (per row), the intake's group commit and the scheduler's ticks.
PRIORITY: contextvars.ContextVar[Priority] = contextvars.ContextVar("sevbot_priority", default=Priority.PERSON)


class _PriorityLock:
    """SQLite's one writer, shared so that a request's transaction (a person waiting on the ack) goes first, then an
    incident's own work, then bookkeeping — so an alert storm's group commits slow neither a person's command nor a new
    incident's channel; within a priority, first come first served."""

    def __init__(self) -> None:
        self._held = False
        self._waiting: dict[Priority, deque[asyncio.Future[None]]] = {p: deque() for p in Priority}

    async def acquire(self, *, priority: Priority) -> None:
        if not self._held and not any(self._waiting[p] for p in Priority if p <= priority):
            self._held = True
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[priority].append(future)
        try:
            await future
        except BaseException:
            if future.done() and not future.cancelled():
                self.release()  # it was handed to us as we were cancelled: pass it on
            elif future in self._waiting[priority]:
                self._waiting[priority].remove(future)
            raise

    def release(self) -> None:
        for priority in Priority:  # the most urgent first
            while self._waiting[priority]:
                future = self._waiting[priority].popleft()
                if not future.done():
                    future.set_result(None)  # handed over: still held
                    return
        self._held = False


class Database:
    """Owns the engine; `session_scope()` commits on success and rolls back on error."""

    def __init__(self, *, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, object] = {}
        if not self.is_sqlite:
            kwargs = {"pool_size": 10, "max_overflow": 10, "pool_pre_ping": True}
        elif (path := sa.engine.make_url(url).database) and path != ":memory:":
            kwargs = {"async_creator": sqlite_loop.connector(path)}  # statements on the loop, commits in a thread
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            sa.event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer at a time; serialise our transactions instead of meeting "database is locked".
        self._sqlite_lock = _PriorityLock() if self.is_sqlite else None

    @asynccontextmanager
    async def session_scope(self) -> AsyncIterator[AsyncSession]:
        if self._sqlite_lock is not None:
            await self._sqlite_lock.acquire(priority=PRIORITY.get())
            try:
                async with self._transaction() as session:
                    yield session
            finally:
                self._sqlite_lock.release()
        else:
            async with self._transaction() as session:
                yield session

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


async def upsert(
    session: AsyncSession, table: type, *, key: str, values: dict[str, object], changes: dict[str, object]
) -> None:
    """Insert `values`, or, if a row with the same `key` exists, set `changes` on it: one statement, in SQLite and in
    PostgreSQL alike (INSERT … ON CONFLICT DO UPDATE), so two replicas writing the same row never collide."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if (await session.connection()).dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values).on_conflict_do_update(index_elements=[key], set_=changes)
    await session.exec(statement)
