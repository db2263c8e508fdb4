"""Which incident a containment acts on, decided before anything is declared (no Slack): the channel's incident;
else the model's open incident; else the incident the alert card became; else one declared from the model's open
alert group, and only for someone who may act. A stale card opens nothing and says why."""

from __future__ import annotations

from typing import Any

import pytest

from bot import incidents
from bot.containment import ActionKind, ActionStatus
from bot.containment.target import ask
from bot.errors import Problem, UserError
from bot.models import AlertGroup, AlertGroupStatus, Incident
from bot.runtime.db import Database
from tests.domain import NOW, Groups, config

CONFIG = config()
ONCALL, OUTSIDER = "U0004", "U0007"


async def _ask(db: Database, *, user: str = ONCALL, channel: str = "C0ALERTS", **extra: Any) -> Any:
    async with db.session_scope() as session:
        return await ask(
            session,
            config=CONFIG,
            directory=Groups(),
            now=NOW,
            model="cv-detector",
            kind=ActionKind.ROLLBACK,
            user=user,
            channel=channel,
            params={},
            **extra,
        )


async def _group(db: Database, **fields: Any) -> int:
    async with db.session_scope() as session:
        group = AlertGroup(
            key="cv-detector",
            model="cv-detector",
            severity="SEV2",
            title="mAP low",
            created_at=NOW,
            updated_at=NOW,
            **fields,
        )
        session.add(group)
        await session.flush()
        return group.id or 0


async def _declare(db: Database, channel: str | None = None) -> Incident:
    async with db.session_scope() as session:
        incident = await incidents.declare(
            session, config=CONFIG, now=NOW, severity="sev2", title="t", model="cv-detector", declared_by=ONCALL
        )
        incident.channel_id = channel
        session.add(incident)
        return incident


async def test_nothing_open_and_nothing_firing_is_said_plainly(db: Database) -> None:
    with pytest.raises(UserError) as caught:
        await _ask(db)
    assert caught.value.problem == Problem.NOTHING_TO_ACT_ON and caught.value.values == {"model": "cv-detector"}


async def test_the_models_open_group_becomes_an_incident_for_someone_entitled_only(db: Database) -> None:
    group_id = await _group(db)
    refused = await _ask(db, user=OUTSIDER)
    assert refused.incident is None and not refused.declared and refused.action.status == ActionStatus.REFUSED
    asked = await _ask(db)
    assert asked.declared and asked.incident is not None and asked.action.status == ActionStatus.PLANNING
    async with db.session_scope() as session:
        group = await session.get(AlertGroup, group_id)
    assert group is not None and group.status == AlertGroupStatus.DECLARED and group.incident_id == asked.incident.id


async def test_the_open_incident_wins_and_the_channels_own_incident_before_it(db: Database) -> None:
    first = await _declare(db, channel="C0FIRST")
    asked = await _ask(db)
    assert asked.incident.id == first.id and not asked.declared
    async with db.session_scope() as session:
        stored = await session.get(Incident, first.id)
        assert stored is not None
        await incidents.resolve(
            session, config=CONFIG, directory=Groups(), now=NOW, incident=stored, user=ONCALL, summary="done"
        )
    with pytest.raises(UserError) as caught:  # acting from a resolved incident's channel opens nothing new
        await _ask(db, channel="C0FIRST")
    assert caught.value.problem == Problem.INCIDENT_OVER and caught.value.values["over"]["incident"] == first.id


async def test_a_stale_card_opens_nothing_and_says_what_became_of_it(db: Database) -> None:
    dismissed = await _group(db, status=AlertGroupStatus.DISMISSED, acted_by="U0002", reason="flapping")
    with pytest.raises(UserError) as caught:
        await _ask(db, group_id=dismissed)
    assert caught.value.problem == Problem.ALERT_DISMISSED and caught.value.values["reason"] == "flapping"
    resolved = await _group(db, status=AlertGroupStatus.RESOLVED)
    with pytest.raises(UserError) as caught:
        await _ask(db, group_id=resolved)
    assert caught.value.problem == Problem.ALERT_RESOLVED
    async with db.session_scope() as session:
        assert (await incidents.open_snapshots(session))[1] == 0  # nothing was declared by either click
