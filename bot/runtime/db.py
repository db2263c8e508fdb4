"""The async engine and one transaction per interaction or job."""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.runtime import sqlite_loop

__all__ = ["BACKGROUND", "Database"]

# Set in the outbox worker and the scheduler's ticks: their transactions yield to the ones a person waits on.
BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("sevbot_background", default=False)


class _PriorityLock:
    """SQLite's one writer, shared so that a request's transaction (a person waiting on the ack) goes before any
    background transaction that is waiting too; among each kind, first come first served."""

    def __init__(self) -> None:
        self._held = False
        self._waiting: dict[bool, deque[asyncio.Future[None]]] = {False: deque(), True: deque()}

    async def acquire(self, *, background: bool) -> None:
        if not self._held and not self._waiting[False] and not (background and self._waiting[True]):
            self._held = True
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[background].append(future)
        try:
            await future
        except BaseException:
            if future.done() and not future.cancelled():
                self.release()  # it was handed to us as we were cancelled: pass it on
            elif future in self._waiting[background]:
                self._waiting[background].remove(future)
            raise

    def release(self) -> None:
        for kind in (False, True):  # requests first
            while self._waiting[kind]:
                future = self._waiting[kind].popleft()
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
            await self._sqlite_lock.acquire(background=BACKGROUND.get())
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
