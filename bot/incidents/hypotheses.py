"""Hypotheses tried, as the playbook's incident notes ask: each proposed with `/incident hypothesis <text>`, then
confirmed or ruled out with why. They live on the timeline (numbered in the order they were proposed); the open ones
are on the card and in the update form's draft, all of them in the postmortem."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import Problem, UserError
from bot.incidents import check_open, check_text
from bot.incidents.timeline import EventKind, record_and_post
from bot.models import Incident, TimelineEvent
from bot.runtime.outbox import OutboxKind, enqueue

__all__ = ["Hypothesis", "Outcome", "from_events", "of", "propose", "settle"]

MAX_TEXT = 500


class Outcome(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    RULED_OUT = "ruled-out"


@dataclass(frozen=True, kw_only=True)
class Hypothesis:
    number: int
    text: str
    by: str
    at: datetime
    outcome: Outcome = Outcome.OPEN
    why: str = ""
    settled_by: str | None = None
    settled_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.outcome == Outcome.OPEN


def from_events(events: Iterable[TimelineEvent]) -> list[Hypothesis]:
    """Numbered in the order proposed; each settlement applies to its number (the latest one counts)."""
    found: list[Hypothesis] = []
    for event in events:
        if event.kind == EventKind.HYPOTHESIS:
            found.append(
                Hypothesis(number=len(found) + 1, text=str(event.data.get("text", "")), by=event.actor, at=event.at)
            )
        elif event.kind == EventKind.HYPOTHESIS_SETTLED:
            n = int(event.data.get("number", 0))
            if 1 <= n <= len(found):
                found[n - 1] = replace(
                    found[n - 1],
                    outcome=Outcome(event.data["outcome"]),
                    why=str(event.data.get("why") or ""),
                    settled_by=event.actor,
                    settled_at=event.at,
                )
    return found


async def of(session: AsyncSession, incident_id: int) -> list[Hypothesis]:
    result = await session.exec(
        select(TimelineEvent)
        .where(
            TimelineEvent.incident_id == incident_id,
            col(TimelineEvent.kind).in_([EventKind.HYPOTHESIS, EventKind.HYPOTHESIS_SETTLED]),
        )
        .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
    )
    return from_events(result.all())


def _open_incident(incident: Incident) -> int:
    check_open(incident)
    assert incident.id is not None
    return incident.id


async def propose(session: AsyncSession, *, now: datetime, incident: Incident, user: str, text: str) -> Hypothesis:
    incident_id = _open_incident(incident)
    text = check_text(text, "hypothesis", limit=MAX_TEXT)
    number = len(await of(session, incident_id)) + 1
    await record_and_post(
        session, incident_id=incident_id, actor=user, kind=EventKind.HYPOTHESIS, at=now, text=text, number=number
    )
    await enqueue(session, kind=OutboxKind.REFRESH, incident_id=incident_id, now=now)  # the card lists open ones
    return Hypothesis(number=number, text=text, by=user, at=now)


async def settle(
    session: AsyncSession, *, now: datetime, incident: Incident, user: str, number: int, outcome: Outcome, why: str
) -> Hypothesis:
    incident_id = _open_incident(incident)
    if outcome == Outcome.OPEN:
        raise UserError(Problem.HYPOTHESIS_OUTCOME, number=None, word="")
    known = await of(session, incident_id)
    if not known:
        raise UserError(Problem.NO_HYPOTHESES, incident=incident_id)
    if not 1 <= number <= len(known):
        raise UserError(Problem.NO_SUCH_HYPOTHESIS, incident=incident_id, count=len(known), number=number)
    current = known[number - 1]
    if current.outcome == outcome:
        raise UserError(Problem.HYPOTHESIS_SETTLED, number=number, outcome=outcome.value)
    why = check_text(why, "reason", limit=MAX_TEXT) if why.strip() else ""  # refused, not cut, when too long
    await record_and_post(
        session,
        incident_id=incident_id,
        actor=user,
        kind=EventKind.HYPOTHESIS_SETTLED,
        at=now,
        number=number,
        text=current.text,
        outcome=outcome.value,
        why=why,
        before=current.outcome.value,
    )
    await enqueue(session, kind=OutboxKind.REFRESH, incident_id=incident_id, now=now)
    return replace(current, outcome=outcome, why=why, settled_by=user, settled_at=now)
