"""The update cadence and the escalation of silence, derived from the stored incidents.

Nothing is remembered in memory: what is due follows from each open incident's `next_update_at`,
`reminded_at`, `snoozed_until`, acknowledgement and `escalation_step`. A tick (APScheduler runs it every few
seconds; tests call it with their own clock) claims each due reminder or escalation step with a compare-and-set
UPDATE, so whichever replica ticks first sends it and the others find nothing; the message itself goes through
the outbox in the same transaction. A reminder that fell due while sevbot was down is sent once, at the first
tick after start; a resolved incident has no `next_update_at` and is never reminded.

- First nudge when the update falls due (or when a snooze ends); while it stays overdue, again every cadence
  interval, never faster.
- Escalation while a SEV1/SEV2 has no acknowledgement: each configured step once, at declared + `after`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import incidents
from bot.clock import Clock
from bot.config import Config
from bot.containment.target import containment_done
from bot.errors import Problem, UserError
from bot.incidents.lifecycle import cadence_every
from bot.incidents.timeline import EventKind, record_and_post
from bot.models import SYSTEM_ACTOR, Incident, IncidentStatus
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind, enqueue
from bot.world import real

__all__ = ["SNOOZE_MINUTES", "Cadence", "snooze"]

log = logging.getLogger(__name__)
SNOOZE_MINUTES = (15, 30, 60)
ESCALATING = ("SEV1", "SEV2")


class Cadence:
    def __init__(self, *, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock

    async def tick(self) -> int:
        """Claim and queue whatever is due now; returns how many messages were queued."""
        now = self.clock.now()
        async with self.db.session_scope() as session:
            found = await session.exec(
                select(Incident.id)
                .where(
                    col(Incident.status) != IncidentStatus.RESOLVED,
                    # an update due (a snooze only moves it later), or escalation still possible
                    (col(Incident.next_update_at) <= now)
                    | (col(Incident.acknowledged_at).is_(None) & col(Incident.severity).in_(ESCALATING)),
                )
                .order_by(col(Incident.id))
            )
            candidates = [i for i in found.all() if i is not None]
        sent = 0
        for incident_id in candidates:
            async with self.db.session_scope() as session:
                incident = await session.get(Incident, incident_id)
                if incident is None or incident.status == IncidentStatus.RESOLVED:
                    continue
                sent += await self._remind(session, incident, now)
                sent += await self._escalate(session, incident, now)
        return sent

    async def _remind(self, session: AsyncSession, incident: Incident, now: datetime) -> int:
        due = incident.next_update_at
        every = cadence_every(self.config, incident.severity, incident.drill_speed)
        if due is None or every is None:
            return 0
        if incident.snoozed_until is not None and incident.snoozed_until > due:
            due = incident.snoozed_until
        if now < due:
            return 0
        last = incident.reminded_at
        if last is not None and last >= due and now < last + every:
            return 0  # nudged for this due time already; the next one waits a whole interval
        won = await session.exec(
            update(Incident)
            .where(
                col(Incident.id) == incident.id,
                col(Incident.reminded_at).is_(None) if last is None else col(Incident.reminded_at) == last,
                col(Incident.status) != IncidentStatus.RESOLVED,
            )
            .values(reminded_at=now)
        )
        if won.rowcount != 1:
            return 0  # another replica took it
        assert incident.id is not None
        overdue = now - incident.next_update_at if incident.next_update_at else timedelta(0)
        await record_and_post(
            session,
            incident_id=incident.id,
            actor=SYSTEM_ACTOR,
            kind=EventKind.REMINDER,
            at=now,
            due=incident.next_update_at.isoformat() if incident.next_update_at else None,
            overdue_s=max(0, int(overdue.total_seconds())),
            every_s=int(every.total_seconds()),
        )
        return 1

    async def _escalate(self, session: AsyncSession, incident: Incident, now: datetime) -> int:
        steps = self.config.escalation
        if incident.acknowledged_at is not None or incident.severity not in ESCALATING or not real(incident):
            return 0
        step = incident.escalation_step
        if step >= len(steps) or now < incident.declared_at + steps[step].after:
            return 0
        won = await session.exec(
            update(Incident)
            .where(
                col(Incident.id) == incident.id,
                col(Incident.escalation_step) == step,
                col(Incident.acknowledged_at).is_(None),  # acknowledged meanwhile, on another replica: no page
                col(Incident.status) != IncidentStatus.RESOLVED,
            )
            .values(escalation_step=step + 1)
        )
        if won.rowcount != 1:
            return 0
        assert incident.id is not None
        notify = list(steps[step].notify)
        snap = await incidents.snapshot(session, incident)
        missing = ["nobody has acknowledged it"] + ([] if snap.commander else ["nobody has taken command"])
        event = await record_and_post(
            session,
            incident_id=incident.id,
            actor=SYSTEM_ACTOR,
            kind=EventKind.ESCALATED,
            at=now,
            step=step + 1,
            notify=notify,
            after_s=int(steps[step].after.total_seconds()),
            done=await containment_done(session, incident),  # what the page says has been done, and by whom
            missing=missing,
        )
        for user in notify:  # one row per person: a retry never DMs someone twice (groups: mentioned in the channel)
            if user.startswith(("U", "W")):
                await enqueue(
                    session, kind=OutboxKind.ESCALATE, incident_id=incident.id, now=now, event_id=event.id, user=user
                )
        return 1


async def snooze(
    session: AsyncSession, *, incident: Incident, user: str, minutes: int, now: datetime, reminder_ts: str | None = None
) -> datetime:
    """Hold reminders for `minutes`; the reminder clicked (`reminder_ts`) is then edited to say so by the caller."""
    if minutes not in SNOOZE_MINUTES:
        raise UserError(Problem.SNOOZE_CHOICES, choices=list(SNOOZE_MINUTES))
    if incident.status == IncidentStatus.RESOLVED or incident.next_update_at is None:
        raise UserError(Problem.NO_UPDATE_DUE, incident=incident.id)
    until = now + timedelta(minutes=minutes)
    incident.snoozed_until = until
    if reminder_ts is not None and incident.reminder_ts == reminder_ts:
        incident.reminder_ts = None  # it will say who snoozed it: nothing left to retire
    session.add(incident)
    assert incident.id is not None
    await record_and_post(
        session,
        incident_id=incident.id,
        actor=user,
        kind=EventKind.SNOOZED,
        at=now,
        minutes=minutes,
        until=until.isoformat(),
    )
    return until
