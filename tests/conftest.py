from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.harness import Bot, running_bot


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sevbot.db'}"


@pytest.fixture
async def bot(sqlite_url: str) -> AsyncIterator[Bot]:
    async with running_bot(sqlite_url) as running:
        yield running
