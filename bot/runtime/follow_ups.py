"""Work a request starts after its ack: the answer to a click (`response_url`), a form opened with `views.open`.

bolt sends the ack when the listener returns (`process_before_response`), so a listener hands what is left to
`FollowUps.start` and returns: Slack has its answer in milliseconds whatever the Web API is doing, and nobody
polls for the ack. Each follow-up's failure is logged; shutdown gives the ones under way time to end.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

__all__ = ["FollowUps"]

log = logging.getLogger(__name__)


class FollowUps:
    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()

    def start(self, work: Awaitable[object], *, what: str) -> None:
        task = asyncio.ensure_future(self._logged(work, what))
        self._running.add(task)  # held until done: the loop keeps only weak references to tasks
        task.add_done_callback(self._running.discard)

    @property
    def running(self) -> int:
        return len(self._running)

    async def finish(self, within_s: float = 10.0) -> None:
        """At shutdown: let the follow-ups under way end (each is one or two Slack calls)."""
        if self._running:
            await asyncio.wait(list(self._running), timeout=within_s)

    @staticmethod
    async def _logged(work: Awaitable[object], what: str) -> None:
        try:
            await work
        except Exception:
            log.exception("%s failed after the ack", what)
