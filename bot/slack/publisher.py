"""Does the outbox's Slack work. Each step reads the incident as it is now and records what Slack gave back
(channel ID, card timestamp) at once, so a retry or a restart continues instead of starting over."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from bot import chart, containment, hypotheses, incident_chart, incidents, postmortem, serving
from bot.alerts import storms
from bot.cadence import SNOOZE_MINUTES
from bot.clock import Clock
from bot.config import Config
from bot.containment import BackendFactory
from bot.containment_target import containment_done, what_happened
from bot.db import Database
from bot.incidents import IncidentSnapshot, snapshot
from bot.models import Alert, AlertGroup, AlertStorm, Incident, OutboxMessage, Role, TimelineEvent
from bot.naming import channel_name
from bot.outbox import MISSED, OutboxKind
from bot.serving import Capability
from bot.slack.blocks import (
    action_choices,
    action_plan,
    alert_card,
    as_dicts,
    incident_card,
    reminder,
    resolution,
    text_blocks,
)
from bot.texts import Texts
from bot.timeline import EventKind, record_and_post
from bot.verify import record_verification

__all__ = ["WORKSPACE_ERRORS", "NotReady", "Publisher", "permanent", "slack_error"]

log = logging.getLogger(__name__)
MAX_NAME_TRIES = 50
ADOPT_WINDOW = timedelta(minutes=10)
OPTIONAL_STEPS = {"bookmarks", "announce", "invite"}  # a permanent refusal of these does not stop the incident
INVITE_SKIPPABLE = {"user_not_found", "user_is_restricted", "user_is_bot", "user_disabled", "already_in_channel"}
TRANSIENT_ERRORS = {"internal_error", "service_unavailable", "request_timeout", "ratelimited", "fatal_error"}
WORKSPACE_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "ratelimited", "fatal_error"}


class NotReady(Exception):
    """A step waits for an earlier one (the channel does not exist yet); retried later."""


def permanent(exc: SlackApiError) -> bool:
    """Slack answered, and said no for a reason a retry will not change (not a limit, an outage or a bad token)."""
    if exc.response is None or exc.response.status_code != 200:
        return False
    code = slack_error(exc)
    return bool(code) and code not in TRANSIENT_ERRORS and code not in WORKSPACE_ERRORS


def slack_error(exc: SlackApiError) -> str:
    """Slack's error code (`name_taken`), or "" when the answer was not Slack's JSON (a 500 page)."""
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error", "")) if isinstance(data, dict) else ""


class Publisher:
    def __init__(
        self,
        *,
        client: AsyncWebClient,
        db: Database,
        config: Config,
        texts: Texts,
        clock: Clock,
        backend_for: BackendFactory = serving.backend_for,
    ) -> None:
        self.client = client
        self.backend_for = backend_for
        self.db = db
        self.config = config
        self.texts = texts
        self.clock = clock
        self._bot_user: str | None = None
        self.on_refused: Callable[[str], None] | None = None  # counts a step refused for good (metrics)
        self._channel_ids: dict[str, str] = {}
        self._names: dict[str, str] = {}

    async def perform(self, message: OutboxMessage) -> None:
        payload = message.payload
        if message.kind == OutboxKind.ALERT_CARD:
            await self._alert_card(int(payload["group_id"]))
            return
        if message.kind == OutboxKind.STORM_CARD:
            await self._storm_card(int(payload["storm_id"]))
            return
        if message.kind == OutboxKind.PLAN_ACTION:
            await self._plan_action(int(payload["action_id"]))
            return
        if message.kind == OutboxKind.RUN_ACTION:
            await self._run_action(int(payload["action_id"]))
            return
        if message.kind == OutboxKind.POSTMORTEM:
            assert message.incident_id is not None
            await self._postmortem(message.incident_id, payload)
            return
        if message.kind == OutboxKind.ESCALATE:
            assert message.incident_id is not None
            await self._escalate(message.incident_id, int(payload["event_id"]), str(payload["user"]))
            return
        if message.kind == OutboxKind.CHART:
            assert message.incident_id is not None
            await self._chart(message.incident_id, int(payload["event_id"]))
            return
        if message.kind == OutboxKind.VERIFY:
            assert message.incident_id is not None
            await self._verify(message.incident_id, payload)
            return
        incident_id = message.incident_id
        assert incident_id is not None, "incident work without an incident"
        match message.kind:
            case OutboxKind.OPEN_CHANNEL:
                await self._open_channel(incident_id, payload.get("invite", []))
            case OutboxKind.INVITE:
                await self._invite(await self._channel_of(incident_id), payload.get("users", []))
            case OutboxKind.REFRESH:
                await self._refresh(incident_id)
            case OutboxKind.BOOKMARKS:
                await self._bookmarks(incident_id)
            case OutboxKind.POST_EVENT:
                await self._post_event(incident_id, payload)
            case OutboxKind.ALERT_DIGEST:
                await self._alert_digest(incident_id)
            case _:
                raise ValueError(f"unknown outbox kind {message.kind!r}")

    async def report_set_aside(self, message: OutboxMessage, error: str) -> None:
        """A row Slack refused for good: said in the channel when people would miss the step."""
        if message.incident_id is None or message.kind not in MISSED or message.kind == OutboxKind.OPEN_CHANNEL:
            log.warning("outbox %s #%s set aside: %s", message.kind, message.id, error)
            return
        await self.report_refused(message.incident_id, message.kind, error)

    async def report_refused(self, incident_id: int, step: str, error: str) -> None:
        """On the timeline and in the channel: what could not be done, and Slack's reason."""
        log.warning("INC-%s: Slack refused %s for good: %s", incident_id, step, error)
        if self.on_refused is not None:
            self.on_refused(step)
        async with self.db.session_scope() as session:
            await record_and_post(
                session,
                incident_id=incident_id,
                actor="sevbot",
                kind=EventKind.SLACK_REFUSED,
                at=self.clock.now(),
                what=MISSED.get(step, step),
                error=error,
            )

    # ----- reading and writing our own state -----
    async def _load(self, incident_id: int) -> IncidentSnapshot:
        async with self.db.session_scope() as session:
            incident = await session.get(Incident, incident_id)
            if incident is None:
                raise ValueError(f"incident {incident_id} does not exist")
            return await snapshot(session, incident)

    async def _save(self, incident_id: int, **fields: Any) -> None:
        async with self.db.session_scope() as session:
            incident = await session.get(Incident, incident_id)
            assert incident is not None
            for name, value in fields.items():
                setattr(incident, name, value)
            session.add(incident)

    async def _channel_of(self, incident_id: int) -> str:
        snap = await self._load(incident_id)
        if snap.incident.channel_id is None:
            raise NotReady(f"INC-{incident_id} has no channel yet")
        return snap.incident.channel_id

    @property
    def known_bot_user(self) -> str | None:
        return self._bot_user

    async def bot_user(self) -> str:
        if self._bot_user is None:
            self._bot_user = str((await self.client.auth_test())["user_id"])
        return self._bot_user

    # ----- the channel -----
    async def _open_channel(self, incident_id: int, invite: list[str]) -> None:
        snap = await self._load(incident_id)
        incident = snap.incident
        channel_id = incident.channel_id
        seq = incident.channel_seq
        for _ in range(MAX_NAME_TRIES):
            if channel_id is not None:
                break
            name = channel_name(
                prefix=self.config.incident_channel_prefix, day=incident.declared_at, seq=seq, title=incident.title
            )
            await self._save(incident_id, channel_name=name, channel_seq=seq)
            try:
                created = await self.client.conversations_create(name=name, is_private=False)
                channel_id = str(created["channel"]["id"])
            except SlackApiError as exc:
                if slack_error(exc) != "name_taken":
                    raise
                channel_id = await self._adoptable(name, incident)
                if channel_id is None:
                    seq += 1
            if channel_id is not None:
                await self._save(incident_id, channel_id=channel_id, channel_name=name, channel_seq=seq)
                async with self.db.session_scope() as session:  # the alert cards link the channel now
                    await incidents.refresh_alert_cards(session, incident_id=incident_id, now=self.clock.now())
        if channel_id is None:
            raise RuntimeError(f"no free channel name for INC-{incident_id} after {MAX_NAME_TRIES} tries")
        steps = {
            "invite": self._invite(channel_id, invite),
            "refresh": self._refresh(incident_id),
            "bookmarks": self._bookmarks(incident_id),
            "announce": self._announce_declared(incident_id),
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
        found = await self._find_channel(name)
        if found is None or found.get("creator") != await self.bot_user():
            return None
        if float(found.get("created", 0)) < (incident.declared_at - ADOPT_WINDOW).timestamp():
            return None
        async with self.db.session_scope() as session:
            claimed = (await session.exec(select(Incident.id).where(Incident.channel_id == found["id"]))).first()
        return None if claimed is not None else str(found["id"])

    async def _find_channel(self, name: str) -> dict[str, Any] | None:
        cursor = None
        while True:
            page = await self.client.conversations_list(
                limit=200, cursor=cursor, types="public_channel,private_channel"
            )
            for channel in page["channels"]:
                if channel["name"] == name:
                    return dict(channel)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    async def _invite(self, channel_id: str, users: list[str]) -> None:
        """Everyone in one call; if Slack refuses the batch for one person (already in, deactivated…), one by one."""
        me = await self.bot_user()
        wanted = [user for user in dict.fromkeys(users) if user != me]
        if not wanted:
            return
        if len(wanted) > 1:
            try:
                await self.client.conversations_invite(channel=channel_id, users=",".join(wanted))
                return
            except SlackApiError as exc:
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

    async def _refresh(self, incident_id: int) -> None:
        snap = await self._load(incident_id)
        incident = snap.incident
        if incident.channel_id is None:
            raise NotReady(f"INC-{incident_id} has no channel yet")
        async with self.db.session_scope() as session:
            tried = await hypotheses.of(session, incident_id)
        blocks = as_dicts(
            incident_card(
                snap,
                texts=self.texts,
                config=self.config,
                contain=self._recommended(snap.incident),
                hypotheses=[h for h in tried if h.open],
            )
        )
        fallback = f"{incident.severity} · INC-{incident.id} · {incident.status}"
        topic = self.texts.render("topic.txt.j2", snap=snap)
        await asyncio.gather(  # the card (then its pin) and the topic are independent
            self._card(incident, fallback, blocks),
            self.client.conversations_setTopic(channel=incident.channel_id, topic=topic[:250]),
        )

    async def _card(self, incident: Incident, fallback: str, blocks: list[dict[str, Any]]) -> None:
        """Post the card if it is not there, update it if it is, and pin it until it is pinned."""
        assert incident.id is not None and incident.channel_id is not None
        card_ts = incident.card_ts
        if card_ts is None:
            posted = await self.client.chat_postMessage(channel=incident.channel_id, text=fallback, blocks=blocks)
            card_ts = str(posted["ts"])
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

    async def _bookmarks(self, incident_id: int) -> None:
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

    # ----- alerts -----
    async def _alert_card(self, group_id: int) -> None:
        target = self.config.channels.alerts
        if not target:
            return
        async with self.db.session_scope() as session:
            group = await session.get(AlertGroup, group_id)
            if group is None:
                raise ValueError(f"alert group {group_id} does not exist")
        if group.storm_id is not None and group.card_ts is None:  # shown in its storm's card instead
            await self._storm_card(group.storm_id)
            return
        async with self.db.session_scope() as session:
            sample = (await session.exec(select(Alert).where(Alert.group_id == group_id).limit(1))).first()
            incident = await session.get(Incident, group.incident_id) if group.incident_id else None
            done = await containment_done(session, incident) if incident else []
            over = await what_happened(session, incident) if incident and incident.status == "resolved" else None
        links = [
            (label, str(sample.details[key]))
            for label, key in (("Source", "generator_url"), ("Runbook", "runbook_url"))
            if sample is not None and str(sample.details.get(key) or "").startswith(("http://", "https://"))
        ]
        blocks = as_dicts(
            alert_card(
                group,
                texts=self.texts,
                links=links,
                auto=bool(incident and incident.auto_declared),
                channel_id=incident.channel_id if incident else None,
                rollback=self._offers_rollback(group) and (incident is None or incident.status != "resolved"),
                unknown=self.config.model(group.model) is None,
                done=done,
                over=over,
            )
        )
        fallback = f"{group.severity} alert: {group.firing} firing"
        channel = await self.channel_id(target)
        if group.card_ts is None:
            ts = await self.post_blocks(channel, fallback, blocks)
            async with self.db.session_scope() as session:
                stored = await session.get(AlertGroup, group_id)
                assert stored is not None
                stored.card_ts = ts
                session.add(stored)
        else:
            await self.client.chat_update(channel=channel, ts=group.card_ts, text=fallback, blocks=blocks)

    async def _storm_card(self, storm_id: int, per_page: int = 40) -> None:
        """The storm's one card, updated in place, and its groups listed in the thread a page per message (the last
        page and any new one are redrawn; earlier pages are full and keep their groups)."""
        target = self.config.channels.alerts
        if not target:
            return
        async with self.db.session_scope() as session:
            seen = await storms.view(session, storm_id)
        channel = await self.channel_id(target)
        text = self.texts.render("storm_card.md.j2", v=seen)
        card_ts = seen.storm.card_ts
        if card_ts is None:
            card_ts = await self.post(channel, text)
            await self._save_storm(storm_id, card_ts=card_ts)
        else:
            await self.client.chat_update(
                channel=channel, ts=card_ts, text=text[:3000], blocks=as_dicts(text_blocks(text))
            )
        pages = [seen.groups[n : n + per_page] for n in range(0, len(seen.groups), per_page)]
        thread = list(seen.storm.thread)
        for index in range(max(len(thread) - 1, 0), len(pages)):
            page = self.texts.render("storm_groups.md.j2", groups=pages[index])
            if index < len(thread):
                await self.client.chat_update(
                    channel=channel, ts=thread[index], text=page[:3000], blocks=as_dicts(text_blocks(page))
                )
            else:
                thread.append(await self.post(channel, page, thread_ts=card_ts))
                await self._save_storm(storm_id, thread=list(thread))

    async def _save_storm(self, storm_id: int, **fields: Any) -> None:
        async with self.db.session_scope() as session:
            storm = await session.get(AlertStorm, storm_id)
            assert storm is not None
            for name, value in fields.items():
                setattr(storm, name, value)
            session.add(storm)

    def _recommended(self, incident: Incident) -> tuple[str, ...]:
        """Containment the incident's triage recommends that its model's platform can do."""
        model = self.config.model(incident.model)
        if model is None or incident.status == "resolved":
            return ()
        codes = {a.get("code") for a in (incident.triage or {}).get("actions", [])}
        can = self.backend_for(incident.model or "", model).capabilities
        offered = []
        if codes & {"rollback_first", "rollback_now"} and Capability.ROLLBACK in can:
            offered.append("rollback")
        if "fallback" in codes and model.fallback and Capability.FALLBACK in can:
            offered.append("fallback")
        return tuple(offered)

    def _offers_rollback(self, group: AlertGroup) -> bool:
        model = self.config.model(group.model)
        if model is None or not any(a.get("code") == "rollback_first" for a in group.triage.get("actions", [])):
            return False
        return Capability.ROLLBACK in self.backend_for(group.model or "", model).capabilities

    # ----- containment -----
    async def _plan_action(self, action_id: int) -> None:
        prepared = await containment.prepare(
            self.db, config=self.config, clock=self.clock, backend_for=self.backend_for, action_id=action_id
        )
        if prepared is None:
            return
        action = prepared.action
        backend_name = action.params.get("backend_name", action.backend)
        if prepared.candidates:
            text = self.texts.render(
                "action_choose.md.j2", action=action, candidates=prepared.candidates, backend_name=backend_name
            )
            blocks = as_dicts(action_choices(text, action.id or 0, [c.version for c in prepared.candidates]))
            await self.client.chat_postEphemeral(
                channel=str(action.params["channel"]), user=action.requested_by, text=text[:3000], blocks=blocks
            )
            return
        text = self.texts.render(
            "action_plan.md.j2",
            action=action,
            summary=prepared.summary,
            error=prepared.error,
            backend_name=backend_name,
            known_bad=prepared.known_bad,
        )
        blocks = as_dicts(action_plan(text, None if prepared.error else action.id))
        await self.client.chat_postEphemeral(
            channel=str(action.params["channel"]), user=action.requested_by, text=text[:3000], blocks=blocks
        )

    async def _run_action(self, action_id: int) -> None:
        await containment.execute(
            self.db, config=self.config, clock=self.clock, backend_for=self.backend_for, action_id=action_id
        )

    async def _verify(self, incident_id: int, payload: dict[str, Any]) -> None:
        await record_verification(
            self.db,
            config=self.config,
            clock=self.clock,
            incident_id=incident_id,
            model=payload.get("model"),
            asked_by=payload.get("asked_by"),
            after_action=payload.get("after_action"),
        )

    async def _postmortem(self, incident_id: int, payload: dict[str, Any]) -> None:
        """One step of the postmortem, each its own outbox row so a retry repeats only its own step: the Markdown
        file (after marking the resolution notice whose button asked, an edit safe to repeat), the chart of the
        latest verification with a series, the short summary."""
        channel = await self._channel_of(incident_id)
        asked_by, step = str(payload.get("asked_by") or "sevbot"), postmortem.Step(payload["step"])
        async with self.db.session_scope() as session:
            incident = await session.get(Incident, incident_id)
            assert incident is not None
            pm = await postmortem.gather(session, incident)
        if step == postmortem.Step.DOCUMENT:
            if payload.get("message_ts"):
                await self._mark_drafted(incident_id, channel, str(payload["message_ts"]), pm, asked_by)
            await self._postmortem_document(channel, incident, pm)
        elif step == postmortem.Step.CHART:  # each verification's chart is up (normally already) and has its link
            for event in pm.verifications:
                if event.id is not None and not (event.data.get("chart") or {}).get("permalink"):
                    await self._chart(incident_id, event.id)
        else:
            summary = self.texts.render("postmortem_summary.md.j2", pm=pm, i=incident, asked_by=asked_by)
            await self.post(channel, summary)

    async def _postmortem_document(self, channel: str, incident: Incident, pm: postmortem.Postmortem) -> None:
        names = {u: await self.user_name(u) for u in sorted(pm.people)}
        document = postmortem.render(self.texts, pm, names=names, now=self.clock.now())
        await self.client.files_upload_v2(
            channel=channel,
            content=document,
            filename=f"INC-{incident.id}-postmortem.md",
            title=f"Postmortem INC-{incident.id} (draft from the timeline)",
        )

    async def _mark_drafted(
        self, incident_id: int, channel: str, notice_ts: str, pm: postmortem.Postmortem, asked_by: str
    ) -> None:
        resolved = next((e for e in reversed(pm.events) if e.kind == EventKind.RESOLVED), None)
        if resolved is None:
            return
        notice = self.render_event(await self._load(incident_id), resolved)
        drafted = self.texts.render("postmortem_drafted.md.j2", asked_by=asked_by, at=self.clock.now())
        blocks = as_dicts(resolution(notice, incident_id, drafted=drafted))
        try:
            await self.client.chat_update(channel=channel, ts=notice_ts, text=notice[:3000], blocks=blocks)
        except SlackApiError as exc:
            if slack_error(exc) != "message_not_found":  # someone deleted the notice: the draft still goes up
                raise

    async def user_name(self, user_id: str) -> str:
        """A person's handle for documents (one users.info per person per process)."""
        if user_id not in self._names:
            try:
                info = await self.client.users_info(user=user_id)
                self._names[user_id] = str(info["user"].get("name") or user_id)
            except SlackApiError as exc:
                log.warning("users.info %s: %s", user_id, slack_error(exc))
                return user_id
        return self._names[user_id]

    async def _escalate(self, incident_id: int, event_id: int, user: str) -> None:
        """The direct message of an escalation step to one of the people it names."""
        snap = await self._load(incident_id)
        async with self.db.session_scope() as session:
            event = await session.get(TimelineEvent, event_id)
        assert event is not None
        text = self.texts.render("escalation_dm.md.j2", snap=snap, i=snap.incident, data=event.data)
        await self.post(user, text)

    async def _chart(self, incident_id: int, event_id: int) -> None:
        """A verification's chart, uploaded once: the file and its permalink are kept on the verification's event, so
        a retried row does not upload it again and the postmortem links to it."""
        channel = await self._channel_of(incident_id)
        async with self.db.session_scope() as session:
            event = await session.get(TimelineEvent, event_id)
            chart_spec = await incident_chart.spec(session, incident_id=incident_id, event_id=event_id)
        if event is None or chart_spec is None:
            return
        kept = dict(event.data.get("chart") or {})
        if not kept.get("file"):
            png = await asyncio.to_thread(chart.render, chart_spec)  # matplotlib is CPU work: off the event loop
            metric = re.sub(r"[^A-Za-z0-9_.-]", "_", chart_spec.metric)
            uploaded = await self.client.files_upload_v2(
                channel=channel,
                file=png,
                filename=f"INC-{incident_id}-{metric}-{event_id}.png",
                title=f"{chart_spec.title} (verification at {event.at:%H:%M} UTC)",
            )
            kept = {"file": str(uploaded["files"][0]["id"])}
            await self._keep_chart(event_id, kept)
        if not kept.get("permalink"):
            info = await self.client.files_info(file=kept["file"])
            kept["permalink"] = str(info["file"].get("permalink") or "")
            await self._keep_chart(event_id, kept)

    async def _keep_chart(self, event_id: int, kept: dict[str, str]) -> None:
        async with self.db.session_scope() as session:
            event = await session.get(TimelineEvent, event_id)
            assert event is not None
            event.data = {**event.data, "chart": kept}
            session.add(event)

    async def _alert_digest(self, incident_id: int) -> None:
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
            firing=[a for a in alerts if a.status == "firing"],
            resolved=[a for a in alerts if a.status == "resolved"],
            now=self.clock.now(),
        )
        if incident.alert_digest_ts is None:
            ts = await self.post(incident.channel_id, text, thread_ts=incident.card_ts)
            await self._save(incident_id, alert_digest_ts=ts)
        else:
            await self.client.chat_update(
                channel=incident.channel_id,
                ts=incident.alert_digest_ts,
                text=text[:3000],
                blocks=as_dicts(text_blocks(text)),
            )

    # ----- messages -----
    async def _post_event(self, incident_id: int, payload: dict[str, Any]) -> None:
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
        text = self.render_event(snap, event)
        if event.kind in (EventKind.REMINDER, EventKind.STATUS_UPDATE, EventKind.RESOLVED):
            await self._retire_reminder(incident_id, snap, event)  # first: an edit is safe to repeat, a post is not
        if event.kind == EventKind.REMINDER:
            blocks = as_dicts(reminder(text, event.incident_id, SNOOZE_MINUTES))
            ts = await self.post_blocks(snap.incident.channel_id, text[:3000], blocks)
            await self._save(incident_id, reminder_ts=ts)
            return
        if event.kind == EventKind.RESOLVED:
            blocks = as_dicts(resolution(text, event.incident_id))
            await self.post_blocks(snap.incident.channel_id, text[:3000], blocks)
            return
        await self.post(snap.incident.channel_id, text)

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

    def render_event(self, snap: IncidentSnapshot, event: TimelineEvent) -> str:
        context = {"snap": snap, "i": snap.incident, "event": event, "data": event.data}
        if event.kind == EventKind.STATUS_UPDATE:
            return self.texts.render("status_update.md.j2", **context)
        if event.kind == EventKind.RESOLVED:
            return self.texts.render("resolution.md.j2", **context)
        role = event.data.get("role")
        return self.texts.render("timeline_event.md.j2", role_label=Role(role).label if role else "", **context)

    async def _announce_declared(self, incident_id: int) -> None:
        snap = await self._load(incident_id)
        if snap.incident.announcement_ts is None:
            await self._announce(snap, EventKind.DECLARED)

    async def _announce(self, snap: IncidentSnapshot, kind: str) -> None:
        target = self.config.channels.announcements
        if not target:
            return
        if snap.incident.channel_id is None:
            raise NotReady(f"INC-{snap.incident.id} has no channel yet")
        text = self.texts.render("announcement.md.j2", snap=snap, kind=kind)
        ts = await self.post(await self.channel_id(target), text)
        if kind == EventKind.DECLARED:
            assert snap.incident.id is not None
            await self._save(snap.incident.id, announcement_ts=ts)

    async def post(self, channel: str, text: str, *, thread_ts: str | None = None) -> str:
        """Post mrkdwn as blocks (with the plain text for notifications)."""
        return await self.post_blocks(channel, text[:3000], as_dicts(text_blocks(text)), thread_ts=thread_ts)

    async def post_blocks(
        self, channel: str, fallback: str, blocks: list[dict[str, Any]], *, thread_ts: str | None = None
    ) -> str:
        """Post; join a public channel first if the bot is not in it yet."""
        try:
            posted = await self.client.chat_postMessage(
                channel=channel, text=fallback, blocks=blocks, thread_ts=thread_ts
            )
        except SlackApiError as exc:
            if slack_error(exc) != "not_in_channel":
                raise
            await self.client.conversations_join(channel=channel)
            posted = await self.client.chat_postMessage(
                channel=channel, text=fallback, blocks=blocks, thread_ts=thread_ts
            )
        return str(posted["ts"])

    async def channel_id(self, name_or_id: str) -> str:
        """Configured channels are names or IDs; names are looked up once."""
        key = name_or_id.lstrip("#")
        if key[:1] in ("C", "G") and key[1:].isalnum() and key.upper() == key:
            return key
        if key not in self._channel_ids:
            found = await self._find_channel(key)
            if found is None:
                raise LookupError(f"channel #{key} does not exist (channels: in sevbot.yml)")
            self._channel_ids[key] = str(found["id"])
        return self._channel_ids[key]
