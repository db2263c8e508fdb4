"""SQLite driven from the event loop (`bot.runtime.sqlite_loop`): transactions behave as they did through aiosqlite."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.models import Incident
from bot.runtime.db import Database
from bot.runtime.migrate import upgrade_async
from bot.settings import to_async_url
from bot.slack import deliveries

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


async def _database(tmp_path: Path) -> tuple[Database, Path]:
    path = tmp_path / "loop.db"
    await upgrade_async(f"sqlite:///{path}")
    return Database(url=to_async_url(f"sqlite:///{path}")), path


def _titles(path: Path) -> list[str]:
    """What another process reading the file sees."""
    with sqlite3.connect(path) as other:
        return [row[0] for row in other.execute("SELECT title FROM incidents ORDER BY id")]


async def test_a_transaction_is_on_disk_once_committed_and_gone_when_it_fails(tmp_path: Path) -> None:
    db, path = await _database(tmp_path)
    try:
        async with db.session_scope() as session:
            session.add(Incident(severity="SEV2", title="kept", declared_at=NOW, declared_by="U0001"))
        assert _titles(path) == ["kept"]

        with pytest.raises(RuntimeError):
            async with db.session_scope() as session:
                session.add(Incident(severity="SEV2", title="rolled back", declared_at=NOW, declared_by="U0001"))
                await session.flush()
                raise RuntimeError("the request failed half-way")
        assert _titles(path) == ["kept"]

        async with db.session_scope() as session:
            assert [i.title for i in (await session.exec(select(Incident))).all()] == ["kept"]
    finally:
        await db.dispose()


async def test_a_constraint_is_an_integrity_error_and_leaves_the_connection_usable(tmp_path: Path) -> None:
    db, _ = await _database(tmp_path)
    try:
        assert await deliveries.first_time(db, key="T1:abc", now=NOW)
        assert not await deliveries.first_time(db, key="T1:abc", now=NOW)  # the same key: a replay
        with pytest.raises(IntegrityError):
            async with db.session_scope() as session:
                session.add(Incident(severity="SEV2", title=None, declared_at=NOW, declared_by="U0001"))  # type: ignore[arg-type]
        assert await deliveries.first_time(db, key="T1:def", now=NOW)
    finally:
        await db.dispose()


async def test_statements_run_without_a_thread_of_their_own(tmp_path: Path) -> None:
    """aiosqlite's connection is a thread; ours is a plain sqlite3 connection the dialect drives from the loop."""
    db, _ = await _database(tmp_path)
    try:
        async with db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert type(raw.driver_connection).__module__ == "bot.runtime.sqlite_loop"
    finally:
        await db.dispose()


async def test_the_dialect_reads_nothing_of_the_connection_but_what_it_is_known_to(tmp_path: Path) -> None:
    """The driver connection is ours (`async_creator`); SQLAlchemy's aiosqlite dialect reads a few of its attributes.
    Every attribute the installed SQLAlchemy touches, through commits, rollbacks, errors, invalidation and disposal,
    is recorded: one outside `DIALECT_USES` (a new release reaching for aiosqlite's thread queue, say) fails here."""
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.runtime import sqlite_loop

    path = tmp_path / "pinned.db"
    await upgrade_async(f"sqlite:///{path}")
    read: set[str] = set()

    class Recorded(sqlite_loop._Connection):
        def __getattribute__(self, name: str) -> object:
            if not name.startswith("__"):
                read.add(name)
            return super().__getattribute__(name)

    plain = sqlite_loop.connector(str(path))

    async def creator() -> sqlite_loop._Connection:
        return Recorded((await plain())._conn)

    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", async_creator=creator)
    try:
        async with AsyncSession(engine) as session:
            session.add(Incident(severity="SEV2", title="kept", declared_at=NOW, declared_by="U0001"))
            await session.commit()
        with pytest.raises(IntegrityError):
            async with AsyncSession(engine) as session:
                session.add(Incident(severity="SEV2", title=None, declared_at=NOW, declared_by="U0001"))  # type: ignore[arg-type]
                await session.commit()
        async with engine.connect() as connection:
            await connection.get_raw_connection()
            await connection.invalidate()  # the pool's forced close (terminate)
        async with AsyncSession(engine) as session:
            assert [i.title for i in (await session.exec(select(Incident))).all()] == ["kept"]
    finally:
        await engine.dispose()
    ours = {"_conn"}  # read by the connection's own methods
    assert read - ours <= sqlite_loop.DIALECT_USES, sorted(read - ours - sqlite_loop.DIALECT_USES)
    assert {"_connection", "cursor", "commit", "rollback"} <= read  # the dialect does use them: the record is real
