"""The containment state machine without Slack: one Confirm wins however many arrive together, Cancel and Confirm
race to one outcome, a known-bad target takes two confirmations, a pick must be one of the versions offered, and
everyone outside the access rule is refused with nothing changed but the record."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import col, select

from bot import incidents
from bot.containment import ActionKind, ActionStatus, Refused, cancel, confirm, pick, request
from bot.errors import Problem, UserError
from bot.incidents.timeline import EventKind
from bot.models import Action, OutboxMessage, TimelineEvent
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind
from tests.domain import NOW, Groups, config

OWNER, ONCALL, OUTSIDER = "U0003", "U0004", "U0007"
CONFIG = config()


async def _pending(db: Database, **params: Any) -> int:
    """An incident on cv-detector and a rollback of it, planned: waiting for Confirm."""
    async with db.session_scope() as session:
        incident = await incidents.declare(
            session, config=CONFIG, now=NOW, severity="sev2", title="mAP down", model="cv-detector", declared_by=OWNER
        )
        action = await request(
            session,
            config=CONFIG,
            now=NOW,
            incident=incident,
            model="cv-detector",
            kind=ActionKind.ROLLBACK,
            user=ONCALL,
            channel="C1",
            params={},
            allowed=True,
        )
        action.status = ActionStatus.PENDING
        action.params = {**action.params, "to": "1.8.2", **params}
        session.add(action)
        await session.flush()
        assert action.id is not None
        return action.id


async def _confirm(db: Database, action_id: int, user: str) -> Action | Refused | UserError:
    try:
        async with db.session_scope() as session:
            return await confirm(session, config=CONFIG, directory=Groups(), action_id=action_id, user=user, now=NOW)
    except UserError as exc:
        return exc


async def _cancel(db: Database, action_id: int, user: str) -> Action | Refused | UserError:
    try:
        async with db.session_scope() as session:
            return await cancel(session, config=CONFIG, directory=Groups(), action_id=action_id, user=user, now=NOW)
    except UserError as exc:
        return exc


async def _runs(db: Database, action_id: int) -> int:
    async with db.session_scope() as session:
        rows = await session.exec(select(OutboxMessage).where(OutboxMessage.kind == OutboxKind.RUN_ACTION))
        return sum(1 for row in rows.all() if row.payload.get("action_id") == action_id)


async def test_of_many_confirms_at_once_one_wins_and_the_rest_are_told_who(db: Database) -> None:
    action_id = await _pending(db)
    outcomes = await asyncio.gather(*(_confirm(db, action_id, who) for who in (ONCALL, OWNER, ONCALL, OWNER)))
    won = [o for o in outcomes if isinstance(o, Action)]
    lost = [o for o in outcomes if isinstance(o, UserError)]
    assert len(won) == 1 and won[0].status == ActionStatus.RUNNING
    assert len(lost) == 3
    assert all(e.problem == Problem.ACTION_ALREADY and e.values["status"] == "running" for e in lost)
    assert {e.values["person"] for e in lost} == {won[0].confirmed_by}
    assert await _runs(db, action_id) == 1  # run once, however often it was clicked


async def test_confirm_and_cancel_together_end_one_way(db: Database) -> None:
    action_id = await _pending(db)
    outcomes = await asyncio.gather(_cancel(db, action_id, OWNER), _confirm(db, action_id, ONCALL))
    finished = [o for o in outcomes if isinstance(o, Action)]
    assert len(finished) == 1
    async with db.session_scope() as session:
        stored = await session.get(Action, action_id)
    assert stored is not None and stored.status == finished[0].status
    assert await _runs(db, action_id) == (1 if stored.status == ActionStatus.RUNNING else 0)


async def test_an_outsider_is_refused_on_the_record_and_nothing_runs(db: Database) -> None:
    action_id = await _pending(db)
    refused = await _confirm(db, action_id, OUTSIDER)
    assert isinstance(refused, Refused) and refused.step == "confirm" and not refused.verdict.allowed
    refused_cancel = await _cancel(db, action_id, OUTSIDER)
    assert isinstance(refused_cancel, Refused) and refused_cancel.step == "cancel"
    async with db.session_scope() as session:
        stored = await session.get(Action, action_id)
        events = (await session.exec(select(TimelineEvent).where(TimelineEvent.kind == EventKind.ACTION))).all()
    assert stored is not None and stored.status == ActionStatus.PENDING
    assert [(e.data["status"], e.data["step"]) for e in events] == [("refused", "confirm"), ("refused", "cancel")]
    assert await _runs(db, action_id) == 0


async def test_the_requester_may_withdraw_their_own_plan(db: Database) -> None:
    async with db.session_scope() as session:
        incident = await incidents.declare(
            session, config=CONFIG, now=NOW, severity="sev3", title="odd", model="cv-detector", declared_by=OWNER
        )
        action = await request(
            session,
            config=CONFIG,
            now=NOW,
            incident=incident,
            model="cv-detector",
            kind=ActionKind.CANARY,
            user=OUTSIDER,
            channel="C1",
            params={"percent": 0},
            allowed=True,
        )
        action.status = ActionStatus.PENDING
        session.add(action)
        await session.flush()
        action_id = action.id or 0
    withdrawn = await _cancel(db, action_id, OUTSIDER)
    assert isinstance(withdrawn, Action) and withdrawn.status == ActionStatus.CANCELLED


async def test_a_known_bad_target_takes_two_confirmations(db: Database) -> None:
    action_id = await _pending(db, known_bad={"mark": "bad", "incident": 1, "reason": "label noise"})
    first = await _confirm(db, action_id, ONCALL)
    assert isinstance(first, Action) and first.status == ActionStatus.PENDING
    assert first.params["bad_confirmed_by"] == ONCALL and await _runs(db, action_id) == 0
    second = await _confirm(db, action_id, OWNER)
    assert isinstance(second, Action) and second.status == ActionStatus.RUNNING
    assert await _runs(db, action_id) == 1


async def test_a_pick_must_be_one_of_the_versions_offered(db: Database) -> None:
    action_id = await _pending(db)
    async with db.session_scope() as session:
        action = await session.get(Action, action_id)
        assert action is not None
        action.status = ActionStatus.CHOOSING
        action.params = {**action.params, "candidates": ["1.8.2", "1.8.1"]}
        session.add(action)
    with pytest.raises(UserError) as caught:
        async with db.session_scope() as session:
            await pick(
                session, config=CONFIG, directory=Groups(), action_id=action_id, version="0.1", user=ONCALL, now=NOW
            )
    assert caught.value.problem == Problem.NOT_OFFERED
    async with db.session_scope() as session:
        picked = await pick(
            session, config=CONFIG, directory=Groups(), action_id=action_id, version="1.8.1", user=ONCALL, now=NOW
        )
    assert isinstance(picked, Action) and picked.status == ActionStatus.PLANNING and picked.params["to"] == "1.8.1"
    async with db.session_scope() as session:
        planned = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.kind == OutboxKind.PLAN_ACTION)
                .order_by(col(OutboxMessage.id))
            )
        ).all()
    assert len(planned) == 2  # the request's plan, and once more for the version picked


async def test_a_gone_or_finished_action_says_so(db: Database) -> None:
    missing = await _confirm(db, 9999, ONCALL)
    assert isinstance(missing, UserError) and missing.problem == Problem.ACTION_GONE
    action_id = await _pending(db)
    await _cancel(db, action_id, OWNER)
    late = await _confirm(db, action_id, ONCALL)
    assert isinstance(late, UserError) and late.values == {"status": "cancelled", "person": OWNER}
