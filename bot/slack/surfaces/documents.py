"""Files: each verification's chart (uploaded once, its permalink kept for the postmortem) and the postmortem,
one outbox row per step."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.incidents.timeline import EventKind
from bot.models import SYSTEM_ACTOR, Incident, TimelineEvent
from bot.reports import chart, incident_chart, postmortem
from bot.slack.blocks import (
    as_dicts,
    resolution,
)
from bot.slack.failures import slack_error
from bot.slack.poster import OUTBOX_ROW
from bot.slack.surfaces.base import Surface
from bot.slack.surfaces.messages import render_event

__all__ = ["Documents"]

log = logging.getLogger(__name__)


class Documents(Surface):
    async def write_postmortem(self, incident_id: int, payload: dict[str, Any]) -> None:
        """One step of the postmortem, each its own outbox row so a retry repeats only its own step: each
        verification's chart up with its permalink (normally it already is), the Markdown file linking them (after
        marking the resolution notice whose button asked, an edit safe to repeat), the short summary."""
        channel = await self._channel_of(incident_id)
        asked_by, step = str(payload.get("asked_by") or SYSTEM_ACTOR), postmortem.Step(payload["step"])
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
                    await self.upload_chart(incident_id, event.id)
        else:
            summary = self.texts.render("postmortem_summary.md.j2", pm=pm, i=incident, asked_by=asked_by)
            summary = self.texts.wrap("drill_mark.md.j2", summary) if incident.drill else summary
            await self.poster.post(channel, summary, key=f"postmortem:{incident_id}:row:{OUTBOX_ROW.get()}")

    async def _postmortem_document(self, channel: str, incident: Incident, pm: postmortem.Postmortem) -> None:
        names = {u: await self.poster.user_name(u) for u in sorted(pm.people)}
        document = postmortem.render(self.texts, pm, names=names, now=self.clock.now())
        await self.poster.upload(
            channel,
            content=document,
            filename=f"INC-{incident.id}-postmortem.md",
            title=f"Postmortem INC-{incident.id} ({'a drill, ' if incident.drill else ''}draft from the timeline)",
        )

    async def _mark_drafted(
        self, incident_id: int, channel: str, notice_ts: str, pm: postmortem.Postmortem, asked_by: str
    ) -> None:
        resolved = next((e for e in reversed(pm.events) if e.kind == EventKind.RESOLVED), None)
        if resolved is None:
            return
        notice = render_event(self.texts, await self._load(incident_id), resolved)
        drafted = self.texts.render("postmortem_drafted.md.j2", asked_by=asked_by, at=self.clock.now())
        blocks = as_dicts(resolution(notice, incident_id, drafted=drafted))
        try:
            await self.client.chat_update(channel=channel, ts=notice_ts, text=notice[:3000], blocks=blocks)
        except SlackApiError as exc:
            if slack_error(exc) != "message_not_found":  # someone deleted the notice: the draft still goes up
                raise

    async def upload_chart(self, incident_id: int, event_id: int) -> None:
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
            async with self.db.session_scope() as session:
                name = await incident_chart.file_name(
                    session, incident_id=incident_id, event_id=event_id, metric=chart_spec.metric
                )
            uploaded = await self.poster.upload(channel, file=png, filename=name, title=chart_spec.title)
            kept = {"file": uploaded}
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
