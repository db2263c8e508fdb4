"""App Home (`app_home_opened`): what one person's tab shows (`board`), who opened it and keeping it current
(`viewers`). The Slack side is `bot.slack.surfaces.home`."""

from __future__ import annotations

from bot.clock import Clock
from bot.home.board import PAGE_SIZE, HomeBoard, HomeIncident, home_board
from bot.home.viewers import follow, opened, turn_page
from bot.models import OutboxMessage
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind, Route, job_failure

__all__ = ["PAGE_SIZE", "HomeBoard", "HomeIncident", "Homes", "home_board", "opened", "turn_page"]


class Homes:
    """The domain's outbox job: after a change, a home for each recent viewer."""

    def __init__(self, *, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def routes(self) -> dict[OutboxKind, Route]:
        return {OutboxKind.HOMES: Route(do=self.follow, failure=job_failure)}

    async def follow(self, message: OutboxMessage) -> None:
        async with self.db.session_scope() as session:
            await follow(session, now=self.clock.now())
