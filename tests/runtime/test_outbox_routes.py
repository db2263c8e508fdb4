"""The outbox's route table has a handler for every kind of row: a kind added without one fails here, not at 3 a.m."""

from __future__ import annotations

from typing import Any

from bot.clock import SystemClock
from bot.config import Config
from bot.runtime.outbox import OutboxKind
from bot.slack.publisher import Publisher
from bot.texts import Texts


def test_every_kind_of_row_has_its_route() -> None:
    nothing: Any = None  # the table is built without touching Slack or the database
    publisher = Publisher(client=nothing, db=nothing, config=Config(), texts=Texts(), clock=SystemClock())
    assert set(publisher.routes) == set(OutboxKind)
