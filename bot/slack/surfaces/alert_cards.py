"""Alert cards in the alerts channel, each rendered from its group as it is now (live counts, what became of it,
only the buttons valid in that state), and the storm card that gathers groups during an alert storm."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import select

from bot.alerts import storms
from bot.containment import ActionKind
from bot.containment.offers import offered
from bot.containment.target import containment_done, what_happened
from bot.drills.identity import drill_id
from bot.models import Alert, AlertGroup, AlertStorm, Incident, IncidentStatus
from bot.slack.blocks import (
    alert_card,
    as_dicts,
    slo_names,
    text_blocks,
)
from bot.slack.surfaces.base import Surface

__all__ = ["AlertCards"]

log = logging.getLogger(__name__)


class AlertCards(Surface):
    async def group_card(self, group_id: int) -> None:
        target = self.config.channels.alerts
        if not target:
            return
        async with self.db.session_scope() as session:
            group = await session.get(AlertGroup, group_id)
            if group is None:
                raise ValueError(f"alert group {group_id} does not exist")
        if drill_id(group.model) is not None:  # a drill's alerts are shown in its own channel only
            return
        if group.storm_id is not None and group.card_ts is None:  # shown in its storm's card instead
            await self.storm_card(group.storm_id)
            return
        async with self.db.session_scope() as session:
            sample = (await session.exec(select(Alert).where(Alert.group_id == group_id).limit(1))).first()
            incident = await session.get(Incident, group.incident_id) if group.incident_id else None
            done = await containment_done(session, incident) if incident else []
            contain = await offered(
                session, config=self.config, model=group.model, triage=group.triage, incident=incident
            )
            over = (
                await what_happened(session, incident)
                if incident and incident.status == IncidentStatus.RESOLVED
                else None
            )
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
                rollback=ActionKind.ROLLBACK in contain,
                unknown=self.config.model(group.model) is None,
                done=done,
                over=over,
                slo_names=slo_names(self.config.model(group.model)),
            )
        )
        fallback = f"{group.severity} alert: {group.firing} firing"
        channel = await self.poster.channel_id(target)
        if group.card_ts is None:
            ts = await self.poster.post_blocks(channel, fallback, blocks, key=f"alert-card:{group_id}")
            async with self.db.session_scope() as session:
                stored = await session.get(AlertGroup, group_id)
                assert stored is not None
                stored.card_ts = ts
                session.add(stored)
        else:
            await self.client.chat_update(channel=channel, ts=group.card_ts, text=fallback, blocks=blocks)

    async def storm_card(self, storm_id: int, per_page: int = 40) -> None:
        """The storm's one card, updated in place, and its groups listed in the thread a page per message (the last
        page and any new one are redrawn; earlier pages are full and keep their groups)."""
        target = self.config.channels.alerts
        if not target:
            return
        async with self.db.session_scope() as session:
            seen = await storms.view(session, storm_id)
        channel = await self.poster.channel_id(target)
        text = self.texts.render("storm_card.md.j2", v=seen)
        card_ts = seen.storm.card_ts
        if card_ts is None:
            card_ts = await self.poster.post(channel, text, key=f"storm:{storm_id}")
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
                thread.append(
                    await self.poster.post(channel, page, thread_ts=card_ts, key=f"storm:{storm_id}:page:{index}")
                )
                await self._save_storm(storm_id, thread=list(thread))

    async def _save_storm(self, storm_id: int, **fields: Any) -> None:
        async with self.db.session_scope() as session:
            storm = await session.get(AlertStorm, storm_id)
            assert storm is not None
            for name, value in fields.items():
                setattr(storm, name, value)
            session.add(storm)
