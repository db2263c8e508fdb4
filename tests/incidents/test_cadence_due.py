"""When updates fall due and escalation steps go out, read from the database at each tick (no Slack): SEV1 every
15 minutes, SEV2 every 30, repeated while overdue once per interval, moved by an update, a snooze or a severity
change, stopped by resolve; escalation steps once each while nobody has acknowledged."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot import incidents
from bot.clock import ManualClock
from bot.incidents.cadence import Cadence, snooze
from bot.incidents.timeline import EventKind
from bot.models import Incident, TimelineEvent
from bot.runtime.db import Database
from tests.domain import NOW, Groups, config

MINUTE = timedelta(minutes=1)


async def _declare(db: Database, severity: str = "sev2", *, auto: bool = False) -> int:
    async with db.session_scope() as session:
        incident = await incidents.declare(
            session,
            config=config(),
            now=NOW,
            severity=severity,
            title="t",
            model="cv-detector",
            declared_by="U0001",
            auto=auto,
        )
        return incident.id or 0


async def _events(db: Database, kind: EventKind) -> list[TimelineEvent]:
    async with db.session_scope() as session:
        found = await session.exec(
            select(TimelineEvent).where(TimelineEvent.kind == kind).order_by(col(TimelineEvent.id))
        )
        return list(found.all())


async def test_reminders_fall_due_at_the_severity_cadence_and_repeat_once_an_interval(db: Database) -> None:
    clock = ManualClock(NOW)
    cadence = Cadence(db=db, config=config(), clock=clock)
    await _declare(db, "sev2")
    clock.set(NOW + 29 * MINUTE)
    assert await cadence.tick() == 0
    clock.set(NOW + 30 * MINUTE)
    assert await cadence.tick() == 1
    assert await cadence.tick() == 0  # the same due time: nudged once
    clock.set(NOW + 59 * MINUTE)
    assert await cadence.tick() == 0
    clock.set(NOW + 60 * MINUTE)
    assert await cadence.tick() == 1  # still overdue, a whole interval later
    reminders = await _events(db, EventKind.REMINDER)
    assert [r.data["overdue_s"] for r in reminders] == [0, 30 * 60]


async def test_an_update_a_snooze_and_a_severity_change_move_the_due_time(db: Database) -> None:
    clock = ManualClock(NOW)
    conf = config()
    cadence = Cadence(db=db, config=conf, clock=clock)
    incident_id = await _declare(db, "sev2")
    clock.set(NOW + 20 * MINUTE)
    async with db.session_scope() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        await incidents.post_update(session, config=conf, now=clock.now(), incident=incident, user="U0001", text="x")
    clock.set(NOW + 49 * MINUTE)
    assert await cadence.tick() == 0  # due 30 minutes after the update, at 50
    clock.set(NOW + 50 * MINUTE)
    assert await cadence.tick() == 1
    async with db.session_scope() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        until = await snooze(session, incident=incident, user="U0001", minutes=30, now=clock.now())
    assert until == NOW + 80 * MINUTE
    clock.set(NOW + 79 * MINUTE)
    assert await cadence.tick() == 0
    async with db.session_scope() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        await incidents.change_severity(
            session,
            config=conf,
            directory=Groups(),
            now=clock.now(),
            incident=incident,
            user="U0001",
            severity="sev1",
            why="worse",
        )
    clock.set(NOW + 79 * MINUTE + 15 * MINUTE)
    assert await cadence.tick() == 1  # SEV1: 15 minutes from the change
    async with db.session_scope() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        await incidents.resolve(
            session, config=conf, directory=Groups(), now=clock.now(), incident=incident, user="U0001", summary="fixed"
        )
    clock.set(NOW + 300 * MINUTE)
    assert await cadence.tick() == 0  # resolved: nothing is due again


async def test_escalation_steps_go_once_each_until_someone_acknowledges(db: Database) -> None:
    clock = ManualClock(NOW)
    conf = config(escalation=[{"after": "10m", "notify": ["U0009"]}, {"after": "20m", "notify": ["U0002"]}])
    cadence = Cadence(db=db, config=conf, clock=clock)
    incident_id = await _declare(db, "sev1", auto=True)  # nobody owns an automatic declaration yet
    clock.set(NOW + 9 * MINUTE)
    assert await cadence.tick() == 0
    clock.set(NOW + 10 * MINUTE)
    first = await cadence.tick()
    assert first >= 1 and await cadence.tick() == 0
    async with db.session_scope() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        await incidents.acknowledge(session, now=clock.now(), incident=incident, user="U0004")
    clock.set(NOW + 25 * MINUTE)
    await cadence.tick()
    steps = [e.data["step"] for e in await _events(db, EventKind.ESCALATED)]
    assert steps == [1]  # the second step never went: someone owns it now
