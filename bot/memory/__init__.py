"""Memory of past incidents (issue 27): the ones most like a new incident, from facts and words (`similar`), kept
in the database (`store`) and recalled after the declaration through the outbox (`recall`); at resolve, a cause
that recurs while its action items are still open is said."""

from __future__ import annotations

from bot.clock import Clock
from bot.memory.recall import open_action_items, past_of, recall, recall_for_group, recurrence
from bot.memory.similar import Index, Match, Recollection
from bot.memory.store import Memory, recollect, remember
from bot.models import OutboxMessage
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind, Route, job_failure

__all__ = [
    "Index",
    "Match",
    "Memory",
    "Recall",
    "Recollection",
    "open_action_items",
    "past_of",
    "recall",
    "recall_for_group",
    "recollect",
    "recurrence",
    "remember",
]


class Recall:
    """The domain's outbox jobs for memory; one `Memory` index per process."""

    def __init__(self, *, db: Database, clock: Clock, memory: Memory | None = None) -> None:
        self.db = db
        self.clock = clock
        self.memory = memory or Memory()

    def routes(self) -> dict[OutboxKind, Route]:
        return {
            OutboxKind.RECALL: Route(do=self.recall, failure=job_failure),
            OutboxKind.REMEMBER: Route(do=self.remember, failure=job_failure),
        }

    async def recall(self, message: OutboxMessage) -> None:
        async with self.db.session_scope() as session:
            if "group_id" in message.payload:  # an alert card, at triage
                group_id = int(message.payload["group_id"])
                await recall_for_group(session, self.memory, group_id=group_id, now=self.clock.now())
                return
            assert message.incident_id is not None
            await recall(session, self.memory, incident_id=message.incident_id, now=self.clock.now())

    async def remember(self, message: OutboxMessage) -> None:
        assert message.incident_id is not None
        async with self.db.session_scope() as session:
            await recurrence(session, self.memory, incident_id=message.incident_id, now=self.clock.now())
