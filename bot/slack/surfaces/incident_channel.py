"""The incident channel as a projection of the incident: created (or adopted after a crash) once, everyone invited
in one call, the card rendered from the database then pinned until pinned, the topic set when it changes, the
runbook and dashboard bookmarked."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import select

from bot import incidents, notify
from bot.containment.offers import offered
from bot.incidents import hypotheses, timeline
from bot.incidents.naming import channel_name
from bot.incidents.timeline import EventKind
from bot.models import SYSTEM_ACTOR, Incident, IncidentMemory
from bot.runtime.outbox import NotReady, OutboxKind, enqueue
from bot.slack.blocks import (
    as_dicts,
    incident_card,
)
from bot.slack.failures import permanent, slack_error
from bot.slack.poster import EARLIER_TRY
from bot.slack.surfaces.base import Surface, SurfaceContext
from bot.slack.surfaces.messages import Messages

__all__ = ["IncidentChannel"]

log = logging.getLogger(__name__)
MAX_NAME_TRIES = 50
ADOPT_WINDOW = timedelta(minutes=10)
OPTIONAL_STEPS = {"bookmarks", "announce", "invite"}  # a permanent refusal of these does not stop the incident
INVITE_SKIPPABLE = {"user_not_found", "user_is_restricted", "user_is_bot", "user_disabled", "already_in_channel"}


class IncidentChannel(Surface):
    def __init__(self, context: SurfaceContext, *, messages: Messages) -> None:
        super().__init__(context)
        self.messages = messages  # the announcement goes out with the channel
        self._topics: dict[str, str] = {}  # the topic this process last set per channel: an unchanged one is not set

    async def open_channel(self, incident_id: int, invite: list[str]) -> None:
        snap = await self._load(incident_id)
        incident = snap.incident
        channel_id = incident.channel_id
        seq = incident.channel_seq
        created = False  # by this very call: then it has no bookmarks yet, and there is nothing to look up
        for _ in range(MAX_NAME_TRIES):
            if channel_id is not None:
                break
            if incident.drill:  # a drill's channel says so, and which scenario: drill-20261122-3-lighting
                name = channel_name(prefix="drill", day=incident.declared_at, seq=seq, title=incident.drill)
            else:
                prefix = self.config.incident_channel_prefix
                name = channel_name(prefix=prefix, day=incident.declared_at, seq=seq, title=incident.title)
            await self._save(incident_id, channel_name=name, channel_seq=seq)
            try:
                answer = await self.client.conversations_create(name=name, is_private=False)
                channel_id, created = str(answer["channel"]["id"]), True
            except SlackApiError as exc:
                if slack_error(exc) != "name_taken":
                    raise
                channel_id = await self._adoptable(name, incident)
                if channel_id is None:
                    seq += 1
            if channel_id is not None:
                await self._save(incident_id, channel_id=channel_id, channel_name=name, channel_seq=seq)
                async with self.db.session_scope() as session:  # the alert cards and the pages link the channel now
                    await incidents.refresh_alert_cards(session, incident_id=incident_id, now=self.clock.now())
                    await notify.channel_opened(session, incident_id=incident_id, now=self.clock.now())
        if channel_id is None:
            raise RuntimeError(f"no free channel name for INC-{incident_id} after {MAX_NAME_TRIES} tries")
        steps = {
            "invite": self._invite_once(incident_id, channel_id, invite),
            "refresh": self.refresh(incident_id),
            "bookmarks": self.bookmarks(incident_id, fresh=created),
            "announce": self.messages.announce_declared(incident_id),
        }
        outcomes = await asyncio.gather(*steps.values(), return_exceptions=True)
        failed = {name: exc for name, exc in zip(steps, outcomes, strict=True) if isinstance(exc, BaseException)}
        for name, problem in list(failed.items()):
            if name in OPTIONAL_STEPS and isinstance(problem, SlackApiError) and permanent(problem):
                del failed[name]  # refused for good: the rest of the incident goes on, and people are told
                await self.report_refused(incident_id, name, f"Slack said {slack_error(problem)}")
        if failed:
            raise next(iter(failed.values()))  # the row is retried; the steps done are not repeated

    async def _adoptable(self, name: str, incident: Incident) -> str | None:
        """A channel of this name that we created for this incident before a crash or a lost response."""
        found = await self.poster.find_channel(name)
        if found is None or found.get("creator") != await self.poster.bot_user():
            return None
        if float(found.get("created", 0)) < (incident.declared_at - ADOPT_WINDOW).timestamp():
            return None
        async with self.db.session_scope() as session:
            claimed = (await session.exec(select(Incident.id).where(Incident.channel_id == found["id"]))).first()
        return None if claimed is not None else str(found["id"])

    async def invite(self, channel_id: str, users: list[str]) -> None:
        """Everyone in one call (`force`: those already in, or who cannot be invited, do not stop the rest); if
        Slack refuses the batch for one person (deactivated…), one by one. Someone already in is invited."""
        me = await self.poster.bot_user()
        wanted = [user for user in dict.fromkeys(users) if user != me]
        if not wanted:
            return
        if len(wanted) > 1:
            try:
                await self.client.conversations_invite(channel=channel_id, users=",".join(wanted), force=True)
                return
            except SlackApiError as exc:
                if slack_error(exc) == "already_in_channel":
                    return
                if slack_error(exc) not in INVITE_SKIPPABLE:
                    raise
        for user in wanted:
            try:
                await self.client.conversations_invite(channel=channel_id, users=user)
            except SlackApiError as exc:
                if slack_error(exc) in ("already_in_channel", "cant_invite_self"):
                    continue
                if slack_error(exc) in INVITE_SKIPPABLE:
                    log.warning("could not invite %s to %s: %s", user, channel_id, slack_error(exc))
                    continue
                raise

    async def _invite_once(self, incident_id: int, channel_id: str, users: list[str]) -> None:
        """The set-up's invitation, remembered once done: a retried set-up does not invite again."""
        snap = await self._load(incident_id)
        if snap.incident.invited:
            return
        await self.invite(channel_id, users)
        await self._save(incident_id, invited=True)

    async def refresh(self, incident_id: int) -> None:
        async with self.db.session_scope() as session:  # all the card shows, read in one transaction
            found = await session.get(Incident, incident_id)
            if found is None:
                raise ValueError(f"incident {incident_id} does not exist")
            snap = await incidents.snapshot(session, found)
            tried = await hypotheses.of(session, incident_id)
            contain = await offered(session, config=self.config, model=found.model, triage=found.triage, incident=found)
        incident = snap.incident
        if incident.channel_id is None:
            raise NotReady(f"INC-{incident_id} has no channel yet")
        blocks = as_dicts(
            incident_card(
                snap,
                texts=self.texts,
                config=self.config,
                contain=tuple(str(kind) for kind in contain),
                hypotheses=[h for h in tried if h.open],
                similar=await self._similar(incident_id),
            )
        )
        fallback = f"{incident.severity} · INC-{incident.id} · {incident.status}"
        topic = self.texts.render("topic.txt.j2", snap=snap)[:250]
        await asyncio.gather(  # the card (then its pin) and the topic are independent
            self._card(incident, fallback, blocks),
            self._topic(incident.channel_id, topic),
        )

    async def _similar(self, incident_id: int) -> list[dict[str, Any]]:
        async with self.db.session_scope() as session:
            memory = await session.get(IncidentMemory, incident_id)
        return list(memory.similar) if memory is not None else []

    async def _topic(self, channel_id: str, topic: str) -> None:
        """Slack posts "set the channel topic" each time it is set, so an unchanged topic is left alone."""
        if self._topics.get(channel_id) == topic:
            return
        if EARLIER_TRY.get() and channel_id not in self._topics:  # set before its answer was lost, or a restart?
            found = await self.client.conversations_info(channel=channel_id)
            if str((found["channel"].get("topic") or {}).get("value") or "") == topic:
                self._topics[channel_id] = topic
                return
        await self.client.conversations_setTopic(channel=channel_id, topic=topic)
        self._topics[channel_id] = topic

    async def _card(self, incident: Incident, fallback: str, blocks: list[dict[str, Any]]) -> None:
        """Post the card if it is not there, update it if it is, and pin it until it is pinned."""
        assert incident.id is not None and incident.channel_id is not None
        card_ts = incident.card_ts
        if card_ts is None:
            card_ts = await self.poster.post_blocks(incident.channel_id, fallback, blocks, key=f"card:{incident.id}")
            await self._save(incident.id, card_ts=card_ts)
        else:
            await self.client.chat_update(channel=incident.channel_id, ts=card_ts, text=fallback, blocks=blocks)
        if not incident.card_pinned:
            try:
                await self.client.pins_add(channel=incident.channel_id, timestamp=card_ts)
            except SlackApiError as exc:
                if slack_error(exc) != "already_pinned":
                    raise
            await self._save(incident.id, card_pinned=True)

    async def bookmarks(self, incident_id: int, *, fresh: bool = False) -> None:
        """The runbook and dashboard links, each once: a channel adopted or opened by an earlier try may have some
        already, so they are looked up first; one this call just created (`fresh`) has none."""
        snap = await self._load(incident_id)
        incident = snap.incident
        model = self.config.model(incident.model)
        if incident.bookmarked or model is None:
            return
        if incident.channel_id is None:
            raise NotReady(f"INC-{incident_id} has no channel yet")
        links = [(title, link) for title, link in (("Runbook", model.runbook), ("Dashboard", model.dashboard)) if link]
        if not links:
            return
        have: set[str] = set()
        if not fresh:
            existing = await self.client.bookmarks_list(channel_id=incident.channel_id)
            have = {str(b["link"]) for b in existing.get("bookmarks") or []}
        await asyncio.gather(
            *(
                self.client.bookmarks_add(channel_id=incident.channel_id, title=title, type="link", link=link)
                for title, link in links
                if link not in have
            )
        )
        await self._save(incident_id, bookmarked=True)

    async def report_unopened(self, incident_id: int, error: str) -> None:
        """Slack refused the channel for good (a workspace policy, a missing scope): the incident stays recorded, the
        refusal is on its timeline and counted, and whoever declared it is told privately."""
        log.warning("INC-%s: Slack refused to open its channel: %s", incident_id, error)
        if self.context.on_refused is not None:
            self.context.on_refused(OutboxKind.OPEN_CHANNEL)
        async with self.db.session_scope() as session:
            incident = await session.get(Incident, incident_id)
            assert incident is not None
            event = await timeline.record(
                session,
                incident_id=incident_id,
                actor=SYSTEM_ACTOR,
                kind=EventKind.SLACK_REFUSED,
                at=self.clock.now(),
                step=OutboxKind.OPEN_CHANNEL,
                error=error,
            )
            if incident.declared_by[:1] in ("U", "W"):  # a person, not an alert source
                await enqueue(
                    session,
                    kind=OutboxKind.NOTICE,
                    incident_id=incident_id,
                    subject=f"notice:{incident_id}",
                    now=self.clock.now(),
                    event_id=event.id,
                    user=incident.declared_by,
                )
