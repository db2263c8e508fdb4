"""The one access rule, as plain functions on a database (no Slack): who may contain is the model's owners and
on-call, the responders (users, or members of responder groups), and whoever holds a role that someone entitled gave
them — directly or through a chain of such people. Taking a role yourself, or being given one by an outsider, grants
nothing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.access import Reason, may_cancel, may_contain
from bot.models import Incident, Role, RoleAssignment
from bot.runtime.db import Database
from tests import domain
from tests.domain import NOW, Groups, config

CONFIG = config()
OWNER, ONCALL, RESPONDER = "U0003", "U0004", "U0005"
ENTITLED = {OWNER, ONCALL, RESPONDER}
PEOPLE = [OWNER, ONCALL, RESPONDER, "U0010", "U0011", "U0012", "U0013", "U0014"]

grants = st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE)), max_size=10)


def _closure(edges: list[tuple[str, str]]) -> set[str]:
    """Who may act, by the rule's definition: the entitled, and the holders of roles given by anyone who may act."""
    trusted = set(ENTITLED)
    changed = True
    while changed:
        changed = False
        for holder, giver in edges:
            if giver in trusted and holder != giver and holder not in trusted:
                trusted.add(holder)
                changed = True
    return trusted


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edges=grants)
async def test_a_role_grants_containment_exactly_through_a_chain_from_someone_entitled(
    tmp_path_factory: object, edges: list[tuple[str, str]]
) -> None:
    folder = Path(str(tmp_path_factory.mktemp("grants")))  # type: ignore[attr-defined]
    async for db in domain.database(folder):
        async with db.session_scope() as session:
            incident = Incident(severity="SEV2", title="t", model="cv-detector", declared_at=NOW, declared_by=OWNER)
            session.add(incident)
            await session.flush()
            for holder, giver in edges:
                session.add(
                    RoleAssignment(
                        incident_id=incident.id or 0, role=Role.OPS, user_id=holder, assigned_by=giver, assigned_at=NOW
                    )
                )
        expected = _closure(edges)
        async with db.session_scope() as session:
            for person in PEOPLE:
                verdict = await may_contain(
                    session, config=CONFIG, directory=Groups(), model="cv-detector", incident=incident, user=person
                )
                assert verdict.allowed == (person in expected), (person, edges, verdict)
                if verdict.allowed and person not in ENTITLED:
                    assert verdict.reason == Reason.GIVEN_ROLE and verdict.given_by in expected


async def test_the_reasons_name_why(db: Database) -> None:
    groups = Groups({"S0GROUP": frozenset({"U0020"})})
    conf = config(responders=["U0005", "S0GROUP"])
    people = (OWNER, ONCALL, "U0005", "U0020", "U0099")
    async with db.session_scope() as session:
        seen = {
            who: await may_contain(session, config=conf, directory=groups, model="cv-detector", incident=None, user=who)
            for who in people
        }
        withdrawn = await may_cancel(
            session,
            config=conf,
            directory=groups,
            model="cv-detector",
            incident=None,
            user="U0099",
            requested_by="U0099",
        )
    assert [seen[w].reason for w in people] == [
        Reason.OWNER,
        Reason.ONCALL,
        Reason.RESPONDER,
        Reason.RESPONDER_GROUP,
        Reason.NOT_ENTITLED,
    ]
    assert seen["U0020"].group == "S0GROUP" and not seen["U0099"].allowed
    assert withdrawn.allowed and withdrawn.reason == Reason.REQUESTER
