"""The Slack side of the outbox: the surfaces (incident channel, alert cards, containment plans, documents,
messages) as separate objects sharing one poster, and the route table of the rows they do. Each step reads the
database as it is now and records what Slack gave back (channel ID, card timestamp) at once, so a retry or a restart
continues instead of starting over. Failures are read by `bot.slack.failures`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.config import Config
from bot.models import OutboxMessage
from bot.runtime.db import Database
from bot.runtime.outbox import MISSED, OutboxKind, Route
from bot.slack import failures
from bot.slack.poster import EARLIER_TRY, OUTBOX_ROW, Poster
from bot.slack.surfaces.alert_cards import AlertCards
from bot.slack.surfaces.base import SurfaceContext
from bot.slack.surfaces.containment import ContainmentPlans
from bot.slack.surfaces.documents import Documents
from bot.slack.surfaces.home import Home
from bot.slack.surfaces.incident_channel import IncidentChannel
from bot.slack.surfaces.messages import Messages
from bot.slack.surfaces.notify_cards import NotifyCards
from bot.texts import Texts

__all__ = ["Publisher"]

log = logging.getLogger(__name__)


class Publisher:
    def __init__(self, *, client: AsyncWebClient, db: Database, config: Config, texts: Texts, clock: Clock) -> None:
        self.poster = Poster(client)
        self.context = SurfaceContext(poster=self.poster, db=db, config=config, texts=texts, clock=clock)
        self.messages = Messages(self.context)
        self.channel = IncidentChannel(self.context, messages=self.messages)
        self.alert_cards = AlertCards(self.context)
        self.plans = ContainmentPlans(self.context)
        self.documents = Documents(self.context)
        self.notify_cards = NotifyCards(self.context)
        self.home = Home(self.context)

    @property
    def known_bot_user(self) -> str | None:
        return self.poster.known_bot_user

    def count_refused(self, counter: Callable[[str], None]) -> None:
        """Steps refused for good are counted by `counter(step)` (the process's metrics)."""
        self.context.on_refused = counter

    def routes(self) -> dict[OutboxKind, Route]:
        """The rows people see, each kind with the surface that does it."""

        def incident(message: OutboxMessage) -> int:
            assert message.incident_id is not None, f"{message.kind} row without an incident"
            return message.incident_id

        def slack(do: Callable[[OutboxMessage], Awaitable[None]]) -> Route:
            async def once(message: OutboxMessage) -> None:
                # an earlier try of this row may have acted (a failure, a lost answer, a crash): posts adopt
                # what it posted instead of posting again
                earlier, row = EARLIER_TRY.set(message.attempts > 0), OUTBOX_ROW.set(message.id or 0)
                try:
                    await do(message)
                finally:
                    EARLIER_TRY.reset(earlier)
                    OUTBOX_ROW.reset(row)

            return Route(do=once, failure=failures.failure)

        channel, cards, messages, documents = self.channel, self.alert_cards, self.messages, self.documents
        return {
            OutboxKind.OPEN_CHANNEL: slack(lambda m: channel.open_channel(incident(m), m.payload.get("invite", []))),
            OutboxKind.INVITE: slack(self._invite_row),
            OutboxKind.REFRESH: slack(self._refresh_row),
            OutboxKind.BOOKMARKS: slack(lambda m: channel.bookmarks(incident(m))),
            OutboxKind.POST_EVENT: slack(lambda m: messages.post_event(incident(m), m.payload)),
            OutboxKind.ALERT_DIGEST: slack(lambda m: messages.alert_digest(incident(m))),
            OutboxKind.ALERT_CARD: slack(lambda m: cards.group_card(int(m.payload["group_id"]))),
            OutboxKind.STORM_CARD: slack(lambda m: cards.storm_card(int(m.payload["storm_id"]))),
            OutboxKind.SHOW_PLAN: slack(lambda m: self.plans.show_plan(int(m.payload["action_id"]))),
            OutboxKind.SETTLE_COUNTDOWN: slack(lambda m: self.plans.settle_countdown(int(m.payload["action_id"]))),
            OutboxKind.CHART: slack(lambda m: documents.upload_chart(incident(m), int(m.payload["event_id"]))),
            OutboxKind.ESCALATE: slack(
                lambda m: messages.escalate(incident(m), int(m.payload["event_id"]), str(m.payload["user"]))
            ),
            OutboxKind.POSTMORTEM: slack(lambda m: documents.write_postmortem(incident(m), m.payload)),
            OutboxKind.NOTIFY_CARD: slack(lambda m: self.notify_cards.post(int(m.payload["notification_id"]))),
            OutboxKind.CATCHUP: slack(lambda m: messages.catchup(incident(m), str(m.payload["user"]))),
            OutboxKind.HOME: slack(lambda m: self.home.publish(str(m.payload["user"]))),
            OutboxKind.DIGEST: slack(lambda m: messages.weekly_digest(str(m.payload["week"]), int(m.payload["days"]))),
            OutboxKind.NOTICE: slack(
                lambda m: messages.notice(incident(m), int(m.payload["event_id"]), str(m.payload["user"]))
            ),
        }

    async def _refresh_row(self, message: OutboxMessage) -> None:
        """The incident card and topic, then the notify channels' cards: all show the incident as it is now."""
        assert message.incident_id is not None
        await self.notify_cards.refresh_all(message.incident_id)
        await self.channel.refresh(message.incident_id)

    async def _invite_row(self, message: OutboxMessage) -> None:
        assert message.incident_id is not None
        await self.channel.invite(await self.channel._channel_of(message.incident_id), message.payload.get("users", []))

    async def report_set_aside(self, message: OutboxMessage, error: str) -> None:
        """A row Slack refused for good: said in the channel when people would miss the step."""
        if message.incident_id is not None and message.kind == OutboxKind.OPEN_CHANNEL:
            await self.channel.report_unopened(message.incident_id, error)
            return
        if message.incident_id is None or message.kind not in MISSED:
            log.warning("outbox %s #%s set aside: %s", message.kind, message.id, error)
            return
        await self.channel.report_refused(message.incident_id, message.kind, error)
