"""Recalling, after an incident is declared (an outbox job, never before the ack), the past incidents most like it,
each with what contained it, whether that worked and how soon, its root cause and its action items still open; kept
on the incident's memory row for its card. At resolve, the incident is remembered again with everything it learnt,
and a similar past incident of the same cause whose action items were never done is said in the channel and the
postmortem."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.drills.identity import drill_id
from bot.incidents import timeline
from bot.incidents.timeline import EventKind, record_and_post
from bot.insights.stats import contained
from bot.memory.similar import Match
from bot.memory.store import Memory, recollect_group, remember
from bot.models import SYSTEM_ACTOR, AlertGroup, Incident, IncidentMemory, TimelineEvent
from bot.recovery import all_recovered
from bot.runtime.outbox import OutboxKind, enqueue, group_subject

__all__ = ["RECURRENCE_SCORE", "open_action_items", "past_of", "recall", "recurrence"]

PAST_KINDS = (
    EventKind.VERIFICATION,
    EventKind.NOTE,
    EventKind.HYPOTHESIS,
    EventKind.HYPOTHESIS_SETTLED,
    EventKind.ACTION_ITEM,
    EventKind.ACTION_ITEM_DONE,
)
SHOWN = 5  # kept per incident: the card shows two, *More like this* all
# The most alike past incident is taken to have the same cause when it is this alike, in all and in words (on the
# labelled set every family's first match clears both, and no other incident's words reach 0.3).
RECURRENCE_SCORE, RECURRENCE_TEXT = 0.3, 0.3


def same_cause(score: float, text: float) -> bool:
    return score >= RECURRENCE_SCORE and text >= RECURRENCE_TEXT


def open_action_items(events: list[TimelineEvent]) -> list[dict[str, Any]]:
    """Action items, numbered in the order recorded, that nobody marked done."""
    items = [e for e in events if e.kind == EventKind.ACTION_ITEM]
    done = {int(e.data.get("number", 0)) for e in events if e.kind == EventKind.ACTION_ITEM_DONE}
    return [
        {"number": n, "text": str(e.data.get("text") or ""), "owner": e.data.get("owner")}
        for n, e in enumerate(items, start=1)
        if n not in done
    ]


async def past_of(session: AsyncSession, match: Match) -> dict[str, Any] | None:
    """What a person wants to know of a similar past incident, as data for the templates."""
    incident = await session.get(Incident, match.incident_id)
    if incident is None:
        return None
    assert incident.id is not None
    first = next(iter((await contained(session, [incident.id])).get(incident.id, [])), None)
    events = list(await timeline.events(session, incident_id=incident.id, kinds=PAST_KINDS))
    worked, recovered_s = None, None
    if first is not None:
        for event in events:
            if event.kind == EventKind.VERIFICATION and event.data.get("after_action") == first.id:
                verdicts = event.data.get("verdicts") or []
                worked = all_recovered(verdicts)
                recovered_s = (event.at - incident.declared_at).total_seconds() if worked else None
                break
    proposed = [e for e in events if e.kind == EventKind.HYPOTHESIS]
    confirmed = [
        str(proposed[int(e.data["number"]) - 1].data.get("text") or "")
        for e in events
        if e.kind == EventKind.HYPOTHESIS_SETTLED
        and e.data.get("outcome") == "confirmed"
        and 0 < int(e.data.get("number", 0)) <= len(proposed)
    ]
    causes = [str(e.data.get("text") or "") for e in events if e.kind == EventKind.NOTE and e.data.get("rca")]
    return {
        "incident": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "channel": incident.channel_id,
        "declared_at": incident.declared_at.isoformat(),
        "resolved": incident.resolved_at is not None,
        "summary": incident.summary,
        "contained": None
        if first is None
        else {
            "kind": first.kind,
            "model": first.model,
            "before": first.version_before,
            "after": first.version_after,
            "summary": str(first.params.get("summary") or ""),
        },
        "worked": worked,
        "recovered_s": recovered_s,
        "cause": (causes or confirmed or [""])[0],
        "open_items": open_action_items(events),
        "score": round(match.score, 3),
        "text": round(match.text, 3),
        "why": list(match.why),
    }


@dataclass
class Recalled:
    incident_id: int
    similar: list[dict[str, Any]]


async def recall(
    session: AsyncSession, memory: Memory, *, incident_id: int, now: datetime, keep: bool = True
) -> Recalled | None:
    """Remember the incident as it is now and find the past ones most like it (declared before it, no drills);
    `keep`: for its card (at the declaration), else only to look (at resolve: the card keeps what it showed)."""
    incident = await session.get(Incident, incident_id)
    if incident is None or drill_id(incident.model) is not None or incident.drill is not None:
        return None
    query = await remember(session, incident, now=now)
    await session.flush()
    index = await memory.refresh(session)
    matches = index.rank(query, limit=SHOWN, before=incident.declared_at)
    similar = [p for m in matches if (p := await past_of(session, m)) is not None]
    if not keep:
        return Recalled(incident_id=incident_id, similar=similar)
    row = await session.get(IncidentMemory, incident_id)
    assert row is not None
    changed = row.similar != similar
    row.similar, row.recalled_at = similar, now
    session.add(row)
    if changed:  # the card shows them
        await enqueue(session, kind=OutboxKind.REFRESH, incident_id=incident_id, now=now)
    return Recalled(incident_id=incident_id, similar=similar)


async def recall_for_group(session: AsyncSession, memory: Memory, *, group_id: int, now: datetime) -> None:
    """An alert card's past incidents alike (at triage, before anyone declares): the most alike on the card."""
    group = await session.get(AlertGroup, group_id)
    if group is None or group.incident_id is not None or group.storm_id is not None or drill_id(group.model):
        return  # declared since (its incident recalls for itself), or gathered in a storm's card
    query = await recollect_group(session, group)
    index = await memory.refresh(session)
    similar = [p for m in index.rank(query, limit=SHOWN) if (p := await past_of(session, m)) is not None]
    if similar != group.similar:
        group.similar = similar
        session.add(group)
        await enqueue(session, kind=OutboxKind.ALERT_CARD, now=now, subject=group_subject(group_id), group_id=group_id)


async def recurrence(session: AsyncSession, memory: Memory, *, incident_id: int, now: datetime) -> None:
    """At resolve: remembered with all it learnt; if a similar past incident had the same cause and its action items
    were never done, the channel is told (and the postmortem says it, from the timeline)."""
    found = await recall(session, memory, incident_id=incident_id, now=now, keep=False)
    if found is None:
        return
    for past in found.similar[:1]:
        if same_cause(past["score"], past.get("text", 0.0)) and past["cause"] and past["open_items"]:
            already = await session.exec(
                select(TimelineEvent.id).where(
                    TimelineEvent.incident_id == incident_id, TimelineEvent.kind == EventKind.RECURRENCE
                )
            )
            if already.first() is None:
                await record_and_post(
                    session,
                    incident_id=incident_id,
                    actor=SYSTEM_ACTOR,
                    kind=EventKind.RECURRENCE,
                    at=now,
                    past=past["incident"],
                    cause=past["cause"],
                    items=[item["text"] for item in past["open_items"]],
                )
            return
