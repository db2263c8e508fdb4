"""SQLite driven from the event loop: what SQLAlchemy's aiosqlite dialect expects of an aiosqlite connection, done
with the standard `sqlite3` module in the loop's own thread.

aiosqlite sends every call (open a cursor, execute, fetch, close) to a thread of its own and waits for the answer:
four thread hand-offs per statement, each waiting for the GIL behind whatever the loop is doing. A statement on a
local SQLite file takes microseconds, far less than the hand-offs, so here it runs where it is asked for. Only a
commit that has something to write goes to a worker thread: it waits on the disk (fsync), and the loop goes on
meanwhile.

The contract with SQLAlchemy is `create_async_engine(async_creator=…)`, its documented way to hand the
`sqlite+aiosqlite` dialect a driver connection we make ourselves. What the dialect reads off that connection is
listed in `DIALECT_USES` — among them `_connection`, the one attribute of aiosqlite's that it looks at (for "still
open") — and `tests/runtime/test_sqlite_loop.py` records every attribute the installed SQLAlchemy touches, so a
release that reads anything else fails that test instead of failing in production.

Blocking is bounded because our transactions never wait on one another: `Database` lets one transaction at a time
in (SQLite has one writer), and in WAL mode readers never wait. Another *process* writing the same file (two
`sevbot serve` on one SQLite file, which is not supported) could make a statement wait up to `busy_timeout` here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

__all__ = ["DIALECT_USES", "connector"]

DIALECT_USES = frozenset(
    {"_connection", "cursor", "commit", "rollback", "close", "stop", "create_function", "isolation_level"}
)
"""Every attribute SQLAlchemy's aiosqlite dialect reads off the driver connection (pinned by a test)."""


class _Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> _Cursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> _Cursor:
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any] | dict[str, Any]]) -> _Cursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany() if size is None else self._cursor.fetchmany(size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _Connection:
    """The part of `aiosqlite.Connection` the dialect uses (`_connection` is what it checks for "still open"). Setting
    an isolation level through the dialect reaches into aiosqlite's own thread queue, which this has not: sevbot
    never sets one."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection  # None once closed: the dialect's "still open"

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> _Cursor:
        return _Cursor(self._conn.cursor())

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def commit(self) -> None:
        if not self._conn.in_transaction:  # nothing was written: nothing to wait for
            return
        writing = asyncio.get_running_loop().run_in_executor(None, self._conn.commit)  # the disk, off the loop
        try:
            await asyncio.shield(writing)
        except asyncio.CancelledError:  # the connection is nobody else's (a rollback) until the commit is over
            await asyncio.wait([writing])
            raise

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Closed at once (the dialect's forced close; `close` does the same, having nothing to wait for)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def connector(path: str) -> Callable[[], Awaitable[_Connection]]:
    """For `create_async_engine(..., async_creator=connector(path))` with the `sqlite+aiosqlite` dialect."""

    async def connect() -> _Connection:
        return _Connection(sqlite3.connect(path, check_same_thread=False))  # a commit runs in a worker thread

    return connect
