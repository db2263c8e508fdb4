"""Timeline events: every change to an incident, written before anything is told to Slack."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import TimelineEvent
from bot.runtime.outbox import OutboxKind, enqueue

__all__ = ["EventKind", "add", "events", "record", "record_and_post"]


class EventKind(StrEnum):
    DECLARED = "declared"
    ROLE_ASSIGNED = "role_assigned"
    ACKNOWLEDGED = "acknowledged"
    STATUS_UPDATE = "status_update"
    NOTE = "note"
    STATUS_CHANGED = "status_changed"
    SEVERITY_CHANGED = "severity_changed"
    RESOLVED = "resolved"
    ALERT = "alert"
    ACTION = "action"
    VERIFICATION = "verification"
    REMINDER = "reminder"
    SNOOZED = "snoozed"
    ESCALATED = "escalated"
    ACTION_ITEM = "action_item"
    HYPOTHESIS = "hypothesis"  # proposed: numbered in the order proposed
    HYPOTHESIS_SETTLED = "hypothesis_settled"  # confirmed or ruled out, with why
    REFUSED = "refused"  # someone not entitled tried to undo the incident (take command, lower severity, resolve)
    SLACK_REFUSED = "slack_refused"  # a step Slack refused for good (a workspace policy, a missing scope)
    FROZEN = "frozen"  # the model's deploys held (by the incident's severity, or by hand: `why`)
    UNFROZEN = "unfrozen"  # … and let go (`why`: resolved, unfrozen)
    COUNTDOWN = "countdown"  # a breached guardrail: sevbot will act itself at `at` unless someone cancels
    GUARDRAIL = "guardrail"  # a canary's guardrail breached long enough: both versions' series, for its chart
    PAGED = "paged"  # someone asked to page now (`/incident page`): `via`, `target`
    NOTIFIED = "notified"  # a page, first mail or ticket went out (`bot.notify`): `via`, `purpose`, `target`, `ref`
    PAGER = "pager"  # the pager said something of a page sevbot sent: `status` acknowledged/resolved/reassigned, `who`
    SCORECARD = "scorecard"  # a drill was resolved: its scorecard (bot.drills.scorecard)
    HINT = "hint"  # someone in a drill asked for a hint: `hints`, the ones given so far
    NOTIFY_FAILED = "notify_failed"  # a page, mail or ticket refused for good: `via`, `purpose`, `target`, `error`
    ACTION_ITEM_DONE = "action_item_done"  # an action item marked done: `number`, `text`
    RECURRENCE = "recurrence"  # resolved with the cause of a past incident whose action items are open: `past`, `items`


async def record(
    session: AsyncSession, *, incident_id: int, actor: str, kind: EventKind, at: datetime, **data: Any
) -> TimelineEvent:
    """Adds the event and flushes, so it has its id."""
    event = add(session, incident_id=incident_id, actor=actor, kind=kind, at=at, **data)
    await session.flush()
    return event


async def record_and_post(
    session: AsyncSession, *, incident_id: int, actor: str, kind: EventKind, at: datetime, **data: Any
) -> TimelineEvent:
    """Records the event and, in the same transaction, queues its message for the incident channel."""
    event = await record(session, incident_id=incident_id, actor=actor, kind=kind, at=at, **data)
    await enqueue(
        session, kind=OutboxKind.POST_EVENT, incident_id=incident_id, now=at, target="incident", event_id=event.id
    )
    return event


def add(
    session: AsyncSession, *, incident_id: int, actor: str, kind: EventKind, at: datetime, **data: Any
) -> TimelineEvent:
    """Adds the event to the transaction without a round trip; it is written with the next flush."""
    event = TimelineEvent(incident_id=incident_id, actor=actor, kind=kind, at=at, data=data)
    session.add(event)
    return event


async def events(
    session: AsyncSession, *, incident_id: int, kinds: Sequence[EventKind] | None = None
) -> Sequence[TimelineEvent]:
    """The incident's events in the order they happened; only those of `kinds` when given."""
    query = select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)
    if kinds is not None:
        query = query.where(col(TimelineEvent.kind).in_(list(kinds)))
    result = await session.exec(query.order_by(col(TimelineEvent.at), col(TimelineEvent.id)))
    return result.all()
