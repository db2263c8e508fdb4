"""The drill guarantee, on every path that could reach the world: a drill pages, mails, posts and tickets nobody,
freezes no deploys and leaves the version ledger alone, with every integration configured; a real incident of the
same severity does all of it."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.containment import ledger
from bot.deploys import freeze
from bot.errors import Problem, UserError
from bot.incidents import acknowledge, add_action_item, declare, resolve
from bot.models import DeployFreeze, Notification, OutboxMessage, VersionMark
from bot.notify import page_now
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind
from tests.domain import NOW, Groups, config

EVERYTHING = {
    "freeze_deploys": ["SEV1", "SEV2"],
    "integrations": {
        "pagerduty": {},
        "opsgenie": {},
        "email": {"smtp": "smtp://127.0.0.1:2525", "from": "sevbot@example.com"},
        "jira": {"url": "https://example.atlassian.net", "project": "MLOPS"},
    },
    "severities": {"SEV1": {"channels": ["critical-incidents"], "email": ["ml-team@example.com"], "ticket": "jira"}},
}


async def _world(db: Database) -> tuple[int, int, int, int]:
    async with db.session_scope() as session:
        notifications = len((await session.exec(select(Notification))).all())
        told = len(
            (
                await session.exec(
                    select(OutboxMessage).where(
                        col(OutboxMessage.kind).in_([OutboxKind.NOTIFY, OutboxKind.NOTIFY_CARD])
                    )
                )
            ).all()
        )
        frozen = len((await session.exec(select(DeployFreeze))).all())
        marks = len((await session.exec(select(VersionMark))).all())
    return notifications, told, frozen, marks


@pytest.mark.parametrize("drill", ["bad-retrain", None])
async def test_a_drill_touches_nothing_real_and_a_real_incident_does(db: Database, drill: str | None) -> None:
    cfg = config(**EVERYTHING)
    async with db.session_scope() as session:
        incident = await declare(
            session,
            config=cfg,
            now=NOW,
            severity="SEV1",
            title="mAP down",
            declared_by="U0004",
            model="cv-detector",
            drill=drill,
        )
        await acknowledge(session, now=NOW, incident=incident, user="U0003")
        await add_action_item(
            session, now=NOW, incident=incident, user="U0004", text="stratify", owner=None, config=cfg
        )
        await ledger.mark(
            session,
            model="cv-detector",
            version="2.0.0",
            mark=ledger.Mark.BAD,
            now=NOW,
            incident_id=incident.id,
            action_id=None,
        )
    notifications, told, frozen, marks = await _world(db)
    if drill is None:  # the real one pages (PagerDuty, Opsgenie), posts, mails, tickets, freezes and marks
        assert notifications == 6 and told >= 6 and frozen == 1 and marks == 1
        return
    assert (notifications, told, frozen, marks) == (0, 0, 0, 0)
    async with db.session_scope() as session:
        with pytest.raises(UserError) as refused:
            await page_now(
                session, config=cfg, directory=Groups(), incident=incident, user="U0004", target=None, now=NOW
            )
        assert refused.value.problem == Problem.DRILL_TOUCHES_NOTHING
    async with db.session_scope() as session:
        with pytest.raises(UserError) as refused:
            await freeze(
                session,
                config=cfg,
                directory=Groups(),
                model="cv-detector",
                user="U0004",
                why="x",
                now=NOW,
                incident=incident,
            )
        assert refused.value.values["step"] == "freeze"
    async with db.session_scope() as session:
        fresh = await session.get(type(incident), incident.id)
        assert fresh is not None
        await resolve(
            session, config=cfg, directory=Groups(), now=NOW, incident=fresh, user="U0004", summary="rolled back"
        )
    assert await _world(db) == (0, 0, 0, 0)
