"""Who may undo an incident (the one access rule, no Slack): taking command from a commander, lowering the severity
and resolving are for the incident's role holders and whoever may contain its model; everyone else is refused with
nothing changed. Declaring, raising the severity, notes, hypotheses and an empty role stay open to all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlmodel import select

from bot import incidents
from bot.access import NotYours
from bot.incidents import hypotheses
from bot.incidents.timeline import EventKind
from bot.models import Incident, Role, TimelineEvent
from bot.runtime.db import Database
from tests.domain import NOW, Groups, config

CONFIG = config()
DECLARER, ONCALL, RESPONDER, OUTSIDER, HELPER = "U0001", "U0004", "U0005", "U0066", "U0077"


async def _incident(db: Database) -> int:
    """SEV1 on cv-detector declared by U0001 (commander); on-call U0004 holds ops."""
    async with db.session_scope() as session:
        incident = await incidents.declare(
            session, config=CONFIG, now=NOW, severity="sev1", title="t", model="cv-detector", declared_by=DECLARER
        )
        return incident.id or 0


Step = Callable[[Any, Incident, str], Awaitable[object]]


def _take_command(session: Any, incident: Incident, user: str) -> Awaitable[object]:
    return incidents.take_command(session, config=CONFIG, directory=Groups(), now=NOW, incident=incident, user=user)


def _lower(session: Any, incident: Incident, user: str) -> Awaitable[object]:
    return incidents.change_severity(
        session, config=CONFIG, directory=Groups(), now=NOW, incident=incident, user=user, severity="sev3"
    )


def _resolve(session: Any, incident: Incident, user: str) -> Awaitable[object]:
    return incidents.resolve(
        session, config=CONFIG, directory=Groups(), now=NOW, incident=incident, user=user, summary="over"
    )


def _raise_then(session: Any, incident: Incident, user: str) -> Awaitable[object]:
    return incidents.change_severity(
        session, config=CONFIG, directory=Groups(), now=NOW, incident=incident, user=user, severity="sev1"
    )


async def _attempt(db: Database, incident_id: int, step: Step, user: str) -> NotYours | None:
    try:
        async with db.session_scope() as session:
            incident = await session.get(Incident, incident_id)
            assert incident is not None
            await step(session, incident, user)
    except NotYours as refused:
        async with db.session_scope() as session:
            await incidents.record_refusal(session, now=NOW, refusal=refused)
        return refused
    return None


@pytest.mark.parametrize(
    ("step", "name"), [(_take_command, "take_command"), (_lower, "lower_severity"), (_resolve, "resolve")]
)
async def test_an_outsider_may_not_undo_and_the_attempt_is_on_the_timeline(db: Database, step: Step, name: str) -> None:
    incident_id = await _incident(db)
    refused = await _attempt(db, incident_id, step, OUTSIDER)
    assert refused is not None and refused.step == name
    assert {DECLARER, ONCALL} <= set(refused.values["holders"]) and ONCALL in refused.values["oncall"]
    async with db.session_scope() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        snap = await incidents.snapshot(session, incident)
        refusals = (await session.exec(select(TimelineEvent).where(TimelineEvent.kind == EventKind.REFUSED))).all()
    assert incident.status != "resolved" and incident.severity == "SEV1" and snap.commander == DECLARER
    assert [(r.actor, r.data["step"]) for r in refusals] == [(OUTSIDER, name)]


@pytest.mark.parametrize("who", [DECLARER, ONCALL, RESPONDER])
async def test_its_people_and_whoever_may_contain_may_resolve(db: Database, who: str) -> None:
    incident_id = await _incident(db)
    assert await _attempt(db, incident_id, _resolve, who) is None


async def test_a_role_given_by_its_people_lets_a_helper_undo(db: Database) -> None:
    incident_id = await _incident(db)
    async with db.session_scope() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        await incidents.assign_role(  # an empty role: open to anyone, here given by the commander
            session,
            config=CONFIG,
            directory=Groups(),
            now=NOW,
            incident=incident,
            role=Role.COMMS,
            user=HELPER,
            actor=DECLARER,
        )
    assert await _attempt(db, incident_id, _lower, HELPER) is None


async def test_raising_notes_hypotheses_and_empty_roles_stay_open(db: Database) -> None:
    incident_id = await _incident(db)
    async with db.session_scope() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        incident.severity = "SEV2"
        await incidents.add_note(session, now=NOW, incident=incident, user=OUTSIDER, text="cams 23-40 look dark")
        await hypotheses.propose(session, now=NOW, incident=incident, user=OUTSIDER, text="IR switch-over")
        await incidents.assign_role(
            session,
            config=CONFIG,
            directory=Groups(),
            now=NOW,
            incident=incident,
            role=Role.COMMS,
            user=OUTSIDER,
            actor=OUTSIDER,
        )
    assert await _attempt(db, incident_id, _raise_then, OUTSIDER) is None  # SEV2 → SEV1: raising is open


async def test_taking_command_when_nobody_holds_it_is_open(db: Database) -> None:
    async with db.session_scope() as session:
        incident = await incidents.declare(
            session,
            config=CONFIG,
            now=NOW,
            severity="sev2",
            title="t",
            model="cv-detector",
            declared_by="sevbot",
            auto=True,
        )
    assert await _attempt(db, incident.id or 0, _take_command, OUTSIDER) is None


async def test_a_role_taken_oneself_coordinates_but_does_not_undo(db: Database) -> None:
    """Comms taken by oneself lets one coordinate; resolving stays with the incident's people."""
    incident_id = await _incident(db)
    async with db.session_scope() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None
        await incidents.assign_role(
            session,
            config=CONFIG,
            directory=Groups(),
            now=NOW,
            incident=incident,
            role=Role.COMMS,
            user=OUTSIDER,
            actor=OUTSIDER,
        )
    refused = await _attempt(db, incident_id, _resolve, OUTSIDER)
    assert refused is not None and refused.step == "resolve"


async def test_whoever_took_command_of_an_incident_nobody_commanded_may_resolve_it(db: Database) -> None:
    async with db.session_scope() as session:
        incident = await incidents.declare(
            session,
            config=CONFIG,
            now=NOW,
            severity="sev2",
            title="t",
            model="cv-detector",
            declared_by="sevbot",
            auto=True,
        )
    assert await _attempt(db, incident.id or 0, _take_command, OUTSIDER) is None
    assert await _attempt(db, incident.id or 0, _resolve, OUTSIDER) is None
