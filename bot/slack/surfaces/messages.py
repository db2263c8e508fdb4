"""Messages: a timeline event's post in the incident channel (reminders retired when answered), announcements,
escalation DMs and the incident's alert digest."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import col, select

from bot.incidents import IncidentSnapshot
from bot.incidents.cadence import SNOOZE_MINUTES
from bot.incidents.timeline import EventKind
from bot.insights import insights
from bot.insights.tuning import noisiest
from bot.memory.catchup import catchup
from bot.models import Action, Alert, AlertStatus, Incident, Role, TimelineEvent
from bot.runtime.outbox import NotReady
from bot.slack.blocks import (
    as_dicts,
    countdown,
    reminder,
    resolution,
    text_blocks,
)
from bot.slack.failures import slack_error
from bot.slack.poster import OUTBOX_ROW
from bot.slack.surfaces.base import Surface
from bot.texts import Texts
from bot.world import real

__all__ = ["Messages", "render_event"]

log = logging.getLogger(__name__)


class Messages(Surface):
    async def escalate(self, incident_id: int, event_id: int, user: str) -> None:
        """The direct message of an escalation step to one of the people it names."""
        snap = await self._load(incident_id)
        async with self.db.session_scope() as session:
            event = await session.get(TimelineEvent, event_id)
        assert event is not None
        text = self.texts.render("escalation_dm.md.j2", snap=snap, i=snap.incident, data=event.data)
        await self.poster.post(user, text, key=f"escalate:{event_id}:{user}")

    async def notice(self, incident_id: int, event_id: int, user: str) -> None:
        """A direct message telling one person what could not be done (the declarer, when no channel could open)."""
        snap = await self._load(incident_id)
        async with self.db.session_scope() as session:
            event = await session.get(TimelineEvent, event_id)
        assert event is not None
        text = self.texts.render("notice_dm.md.j2", snap=snap, i=snap.incident, data=event.data)
        await self.poster.post(user, text, key=f"notice:{event_id}:{user}")

    async def alert_digest(self, incident_id: int) -> None:
        snap = await self._load(incident_id)
        incident = snap.incident
        if incident.channel_id is None or incident.card_ts is None:
            raise NotReady(f"INC-{incident_id} has no card yet")
        async with self.db.session_scope() as session:
            alerts = (
                await session.exec(select(Alert).where(Alert.incident_id == incident_id).order_by(col(Alert.id)))
            ).all()
        text = self.texts.render(
            "alert_digest.md.j2",
            firing=[a for a in alerts if a.status == AlertStatus.FIRING],
            resolved=[a for a in alerts if a.status == AlertStatus.RESOLVED],
            now=self.clock.now(),
        )
        text = self.texts.wrap("drill_mark.md.j2", text) if incident.drill else text
        if incident.alert_digest_ts is None:
            ts = await self.poster.post(
                incident.channel_id, text, thread_ts=incident.card_ts, key=f"digest:{incident_id}"
            )
            await self._save(incident_id, alert_digest_ts=ts)
        else:
            await self.client.chat_update(
                channel=incident.channel_id,
                ts=incident.alert_digest_ts,
                text=text[:3000],
                blocks=as_dicts(text_blocks(text)),
            )

    async def post_event(self, incident_id: int, payload: dict[str, Any]) -> None:
        snap = await self._load(incident_id)
        if payload.get("target") == "announcements":
            await self._announce(snap, str(payload["message"]))
            return
        if snap.incident.channel_id is None:
            raise NotReady(f"INC-{incident_id} has no channel yet")
        async with self.db.session_scope() as session:
            event = await session.get(TimelineEvent, int(payload["event_id"]))
        if event is None:
            raise ValueError(f"timeline event {payload['event_id']} does not exist")
        text = render_event(self.texts, snap, event)
        if event.kind in (EventKind.REMINDER, EventKind.STATUS_UPDATE, EventKind.RESOLVED):
            await self._retire_reminder(incident_id, snap, event)  # first: an edit is safe to repeat, a post is not
        if event.kind == EventKind.REMINDER:
            blocks = as_dicts(reminder(text, event.incident_id, SNOOZE_MINUTES))
            ts = await self.poster.post_blocks(snap.incident.channel_id, text[:3000], blocks, key=f"event:{event.id}")
            await self._save(incident_id, reminder_ts=ts)
            return
        if event.kind == EventKind.RESOLVED:
            blocks = as_dicts(resolution(text, event.incident_id))
            await self.poster.post_blocks(snap.incident.channel_id, text[:3000], blocks, key=f"event:{event.id}")
            return
        if event.kind == EventKind.COUNTDOWN:  # sevbot's own plan: Do it now and Cancel are its Confirm and Cancel
            action_id = int(event.data["action_id"])
            blocks = as_dicts(countdown(text, action_id))
            ts = await self.poster.post_blocks(snap.incident.channel_id, text[:3000], blocks, key=f"event:{event.id}")
            async with self.db.session_scope() as session:  # where it is, for when the countdown runs out
                action = await session.get(Action, action_id)
                if action is not None:
                    action.params = {**action.params, "countdown_ts": ts, "countdown_channel": snap.incident.channel_id}
                    session.add(action)
            return
        await self.poster.post(snap.incident.channel_id, text, key=f"event:{event.id}")

    async def _retire_reminder(self, incident_id: int, snap: IncidentSnapshot, event: TimelineEvent) -> None:
        """The last reminder's buttons go once it is answered (an update), resolved, or followed by a newer one."""
        ts, channel = snap.incident.reminder_ts, snap.incident.channel_id
        if ts is None or channel is None:
            return
        text = self.texts.render("reminder_answered.md.j2", snap=snap, i=snap.incident, event=event, data=event.data)
        try:
            await self.client.chat_update(channel=channel, ts=ts, text=text[:3000], blocks=as_dicts(text_blocks(text)))
        except SlackApiError as exc:
            if slack_error(exc) != "message_not_found":  # deleted by someone: nothing left to retire
                raise
        await self._save(incident_id, reminder_ts=None)

    async def catchup(self, incident_id: int, user: str) -> None:
        """The catch-up, privately, to someone who joined the incident's channel late (offered once: the row's
        claim). An ephemeral message cannot be looked up afterwards, so a lost answer may show it twice."""
        async with self.db.session_scope() as session:
            incident = await session.get(Incident, incident_id)
            if incident is None or incident.channel_id is None:
                raise NotReady(f"INC-{incident_id} has no channel yet")
            found = await catchup(session, incident)
        text = self.texts.render("catchup.md.j2", c=found, now=self.clock.now(), joined=True)
        await self.client.chat_postEphemeral(
            channel=incident.channel_id, user=user, text=text, blocks=as_dicts(text_blocks(text))
        )

    async def weekly_digest(self, week: str, days: int) -> None:
        """The week's digest, posted once in the announcements channel (`bot.insights.digest` claimed it)."""
        target = self.config.channels.announcements
        if not target:
            return  # the setting was removed since the week was claimed
        async with self.db.session_scope() as session:
            now = self.clock.now()
            stats = await insights(session, now=now, days=days)
            noisy = await noisiest(session, now=now, days=days)
        text = self.texts.render("digest.md.j2", week=week, stats=stats, noisy=noisy)
        await self.poster.post(await self.poster.channel_id(target), text, key=f"digest:{week}")

    async def announce_declared(self, incident_id: int) -> None:
        snap = await self._load(incident_id)
        if snap.incident.announcement_ts is None:
            await self._announce(snap, EventKind.DECLARED)

    async def _announce(self, snap: IncidentSnapshot, kind: str) -> None:
        target = self.config.channels.announcements
        if not target or not real(snap.incident):  # a drill is announced nowhere but its own channel
            return
        if snap.incident.channel_id is None:
            raise NotReady(f"INC-{snap.incident.id} has no channel yet")
        text = self.texts.render("announcement.md.j2", snap=snap, kind=kind)
        key = (
            f"announce:{snap.incident.id}:{kind}"
            if kind == EventKind.DECLARED
            else f"announce:{snap.incident.id}:row:{OUTBOX_ROW.get()}"
        )
        ts = await self.poster.post(await self.poster.channel_id(target), text, key=key)
        if kind == EventKind.DECLARED:
            assert snap.incident.id is not None
            await self._save(snap.incident.id, announcement_ts=ts)


def render_event(texts: Texts, snap: IncidentSnapshot, event: TimelineEvent) -> str:
    """A timeline event as its message in the incident channel."""
    context = {"snap": snap, "i": snap.incident, "event": event, "data": event.data}
    if event.kind == EventKind.STATUS_UPDATE:
        said = texts.render("status_update.md.j2", **context)
    elif event.kind == EventKind.RESOLVED:
        said = texts.render("resolution.md.j2", **context)
    elif event.kind == EventKind.SCORECARD:
        said = texts.render("drill_scorecard.md.j2", **context)
    else:
        role = event.data.get("role")
        said = texts.render("timeline_event.md.j2", role_label=Role(role).label if role else "", **context)
    return texts.wrap("drill_mark.md.j2", said) if snap.incident.drill else said
