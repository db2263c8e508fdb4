from __future__ import annotations

import functools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot import consequences
from bot.runtime.db import Database
from tests import domain
from tests.harness import Bot, running_bot
from tests.postgres import PostgresServer, find_bin_dir

consequences.install()  # the domain tests declare and resolve without a server, whose start installs them


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed; .ci/run installs Debian's postgresql package")
        pytest.skip("PostgreSQL binaries not found (apt-get install postgresql)")
    server = PostgresServer(bin_dir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sevbot.db'}"


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    return postgres_server.create_database()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sevbot.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def bot(sqlite_url: str) -> AsyncIterator[Bot]:
    async with running_bot(sqlite_url) as running:
        yield running


@pytest.fixture
async def any_db_bot(database_url: str) -> AsyncIterator[Bot]:
    """The same bot on SQLite and on a real PostgreSQL."""
    async with running_bot(database_url) as running:
        yield running


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A SQLite database with sevbot's schema, for the domain's unit tests (no Slack, no emulator)."""
    async for database in domain.database(tmp_path):
        yield database


_SCENARIO_WORDS = ("running_bot(", "running_on(", "sandbox(", "subprocess", "Sandbox", "postgres_server", "chromium")


@functools.cache
def _starts_things(path: str) -> bool:
    """A module whose tests start the bot, the emulator, a server or a process: scenario tests."""
    text = Path(path).read_text(encoding="utf-8")
    return any(word in text for word in _SCENARIO_WORDS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`scenario`: a test that starts the bot and the emulator or a real server (`make test-fast` leaves them out);
    the rest are the fast tier (the domain on the SQLite fixture, templates, blocks, statistics)."""
    for item in items:
        if "bot" in getattr(item, "fixturenames", ()) or _starts_things(str(item.path)):
            item.add_marker(pytest.mark.scenario)
