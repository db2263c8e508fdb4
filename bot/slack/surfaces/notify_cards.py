"""The short card in each notify channel of a severity (`channels:`): posted once, linking the incident channel,
and kept current with the incident (its severity, status, commander, resolution) whenever the incident card is."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlmodel import col, select

from bot.models import Notification
from bot.runtime.outbox import NotReady
from bot.slack.blocks import as_dicts, text_blocks
from bot.slack.failures import permanent, slack_error
from bot.slack.surfaces.base import Surface

__all__ = ["NotifyCards"]

log = logging.getLogger(__name__)


class NotifyCards(Surface):
    async def post(self, notification_id: int) -> None:
        async with self.db.session_scope() as session:
            card = await session.get(Notification, notification_id)
        if card is None or card.ref is not None or card.state == "failed":
            return
        snap = await self._load(card.incident_id)
        if snap.incident.channel_id is None:  # the card links the incident channel: Slack has not opened it yet
            raise NotReady(f"INC-{card.incident_id} has no channel yet")
        text = self.texts.render("notify_card.md.j2", snap=snap)
        channel = await self.poster.channel_id(card.target)
        ts = await self.poster.post(channel, text, key=f"notify-card:{notification_id}")
        async with self.db.session_scope() as session:
            fresh = await session.get(Notification, notification_id)
            assert fresh is not None
            fresh.ref, fresh.state, fresh.sent_at = ts, "sent", self.clock.now()
            fresh.data = {**fresh.data, "channel_id": channel}
            session.add(fresh)

    async def refresh_all(self, incident_id: int) -> None:
        """Each card already posted shows the incident as it is now. A card Slack refuses for good (the channel
        archived, the message deleted) is left alone; anything else fails the refresh, which is tried again."""
        if not any(policy.channels for policy in self.config.severities.values()):
            return  # no severity posts in a notify channel: nothing to read
        async with self.db.session_scope() as session:
            cards = (
                await session.exec(
                    select(Notification).where(
                        Notification.incident_id == incident_id,
                        Notification.via == "slack",
                        col(Notification.ref).is_not(None),
                    )
                )
            ).all()
        if not cards:
            return
        snap = await self._load(incident_id)
        text = self.texts.render("notify_card.md.j2", snap=snap)
        for card in cards:
            try:
                await self.client.chat_update(
                    channel=str(card.data.get("channel_id")),
                    ts=str(card.ref),
                    text=text[:3000],
                    blocks=as_dicts(text_blocks(text)),
                )
            except SlackApiError as exc:
                if not permanent(exc):
                    raise
                log.warning("INC-%s: the card in #%s cannot be updated: %s", incident_id, card.target, slack_error(exc))
