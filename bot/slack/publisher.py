"""Does the outbox's Slack work: the route table (`Publisher.routes`, one handler per kind of row) over the surfaces in
`bot.slack.surfaces`. Each step reads the incident as it is now and records what Slack gave back (channel ID, card
timestamp) at once, so a retry or a restart continues instead of starting over."""

from __future__ import annotations

import logging
from functools import cached_property

from bot.models import OutboxMessage
from bot.runtime.outbox import MISSED, Failure, OutboxKind, Route
from bot.slack import failures
from bot.slack.surfaces.alert_cards import AlertCards
from bot.slack.surfaces.containment import ContainmentPlans
from bot.slack.surfaces.documents import Documents
from bot.slack.surfaces.incident_channel import IncidentChannel
from bot.slack.surfaces.messages import Messages

__all__ = ["Publisher"]

log = logging.getLogger(__name__)


class Publisher(IncidentChannel, AlertCards, ContainmentPlans, Documents, Messages):
    @cached_property
    def routes(self) -> dict[OutboxKind, Route]:
        """The outbox's route table: each kind of row and the surface that does it."""

        def incident(message: OutboxMessage) -> int:
            assert message.incident_id is not None, f"{message.kind} row without an incident"
            return message.incident_id

        return {
            OutboxKind.OPEN_CHANNEL: lambda m: self._open_channel(incident(m), m.payload.get("invite", [])),
            OutboxKind.INVITE: self._invite_row,
            OutboxKind.REFRESH: lambda m: self._refresh(incident(m)),
            OutboxKind.BOOKMARKS: lambda m: self._bookmarks(incident(m)),
            OutboxKind.POST_EVENT: lambda m: self._post_event(incident(m), m.payload),
            OutboxKind.ALERT_DIGEST: lambda m: self._alert_digest(incident(m)),
            OutboxKind.ALERT_CARD: lambda m: self._alert_card(int(m.payload["group_id"])),
            OutboxKind.STORM_CARD: lambda m: self._storm_card(int(m.payload["storm_id"])),
            OutboxKind.PLAN_ACTION: lambda m: self._plan_action(int(m.payload["action_id"])),
            OutboxKind.RUN_ACTION: lambda m: self._run_action(int(m.payload["action_id"])),
            OutboxKind.VERIFY: lambda m: self._verify(incident(m), m.payload),
            OutboxKind.CHART: lambda m: self._chart(incident(m), int(m.payload["event_id"])),
            OutboxKind.ESCALATE: lambda m: self._escalate(
                incident(m), int(m.payload["event_id"]), str(m.payload["user"])
            ),
            OutboxKind.POSTMORTEM: lambda m: self._postmortem(incident(m), m.payload),
        }

    async def perform(self, message: OutboxMessage) -> None:
        try:
            route = self.routes[OutboxKind(message.kind)]  # every kind has one (tests/bot/test_outbox_routes.py)
        except ValueError:
            raise ValueError(f"unknown outbox kind {message.kind!r}") from None
        await route(message)

    def failure(self, exc: Exception) -> Failure:
        return failures.failure(exc)

    async def _invite_row(self, message: OutboxMessage) -> None:
        assert message.incident_id is not None
        await self._invite(await self._channel_of(message.incident_id), message.payload.get("users", []))

    async def report_set_aside(self, message: OutboxMessage, error: str) -> None:
        """A row Slack refused for good: said in the channel when people would miss the step."""
        if message.incident_id is None or message.kind not in MISSED or message.kind == OutboxKind.OPEN_CHANNEL:
            log.warning("outbox %s #%s set aside: %s", message.kind, message.id, error)
            return
        await self.report_refused(message.incident_id, message.kind, error)
