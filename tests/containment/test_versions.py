"""Which version "previous" means and which ones are offered to pick from, without a platform: never a version an
incident rolled back from, newest first, known-bad ones last; and which containment a card offers."""

from __future__ import annotations

from datetime import timedelta

from bot import incidents
from bot.containment import ActionKind, ActionStatus, candidates
from bot.containment.ledger import Ledger, Mark, ledger, mark, remember_live
from bot.containment.offers import in_place, offered
from bot.containment.plan import _previous
from bot.models import Action
from bot.runtime.db import Database
from bot.serving import ServingState
from bot.serving.base import Version
from tests.domain import NOW, config

STATE = ServingState(
    live="2.0.0",
    versions=tuple(
        Version(v, created_at=NOW - timedelta(days=d))
        for v, d in (("1.7.0", 30), ("1.8.1", 20), ("1.8.2", 10), ("2.0.0", 1))
    ),
)


async def test_candidates_are_the_newest_below_live_with_known_bad_last(db: Database) -> None:
    async with db.session_scope() as session:
        await mark(
            session, model="cv-detector", version="1.8.2", mark=Mark.BAD, now=NOW, incident_id=None, action_id=None
        )
        marks = await ledger(session, "cv-detector")
    offered_versions = [c.version for c in candidates(STATE, marks, NOW)]
    assert offered_versions == ["1.8.1", "1.7.0", "1.8.2"]
    bad = next(c for c in candidates(STATE, marks, NOW) if c.version == "1.8.2")
    assert bad.about["mark"]["mark"] == "bad" and bad.about["age_s"] == timedelta(days=10).total_seconds()


async def test_previous_is_the_last_seen_live_that_is_not_known_bad(db: Database) -> None:
    async with db.session_scope() as session:
        for version, ago in (("1.8.1", 3), ("1.8.2", 2), ("2.0.0", 1)):
            await remember_live(session, "cv-detector", STATE.with_live(version), NOW - timedelta(hours=ago))
        marks = await ledger(session, "cv-detector")
        assert await _previous(session, "cv-detector", STATE, marks) == "1.8.2"
        await mark(
            session, model="cv-detector", version="1.8.2", mark=Mark.BAD, now=NOW, incident_id=None, action_id=None
        )
        marks = await ledger(session, "cv-detector")
        assert await _previous(session, "cv-detector", STATE, marks) == "1.8.1"
        platform_says = ServingState(live="2.0.0", versions=STATE.versions, previous="1.8.2")
        assert await _previous(session, "cv-detector", platform_says, marks) == "1.8.1"  # not even the platform's


async def test_a_card_offers_what_triage_recommends_the_platform_can_do_and_is_not_in_place(db: Database) -> None:
    conf = config()
    triage = {"actions": [{"code": "rollback_first"}, {"code": "fallback"}]}
    async with db.session_scope() as session:
        incident = await incidents.declare(
            session, config=conf, now=NOW, severity="sev1", title="t", model="cv-detector", declared_by="U0003"
        )
        offers = await offered(session, config=conf, model="cv-detector", triage=triage, incident=incident)
        assert offers == (ActionKind.ROLLBACK, ActionKind.FALLBACK)  # the simulated service can do both
        session.add(
            Action(
                incident_id=incident.id,
                kind=ActionKind.ROLLBACK,
                model="cv-detector",
                backend="simulated",
                status=ActionStatus.SUCCEEDED,
                requested_by="U0004",
                requested_at=NOW,
            )
        )
        await session.flush()
        assert await in_place(session, incident) == {ActionKind.ROLLBACK}
        assert await offered(session, config=conf, model="cv-detector", triage=triage, incident=incident) == (
            ActionKind.FALLBACK,
        )
        assert await offered(session, config=conf, model="cv-detector", triage={}, incident=None) == ()
        assert await offered(session, config=conf, model="unknown", triage=triage, incident=None) == ()
        ranker = await offered(session, config=conf, model="ranker", triage=triage, incident=None)
        assert ranker == (ActionKind.ROLLBACK,)  # no fallback configured for it
        incident.status = "resolved"
        assert await offered(session, config=conf, model="cv-detector", triage=triage, incident=incident) == ()


def test_an_empty_ledger_marks_nothing() -> None:
    empty = Ledger(model="m", marks={})
    assert empty.mark_of("1.0") is None and not empty.is_bad("1.0")
