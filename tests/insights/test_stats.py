"""The numbers over a seeded history whose answers can be worked out by hand: three incidents in the last 30 days
(a drill and an older one left out), their delays, how containment went and whether the cadence was kept; and the
same numbers asked from Slack."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import parse_config
from bot.insights import insights
from bot.models import Action, Alert, Incident, TimelineEvent
from bot.runtime.db import Database
from tests.domain import NOW
from tests.harness import CONFIG, running_bot

MIN = timedelta(minutes=1)


async def seed(db: Database) -> None:
    """INC-1 (SEV1, quality): detected 2 min after the breach began, acknowledged after 4 min, rolled back after 10,
    verified, resolved after 60. INC-2 (SEV1, quality): detected after 6, acknowledged after 8, fallback after 20,
    the verification failed, a reminder, resolved after 120. INC-3 (SEV2, serving): acknowledged after 2, open."""
    cases: list[dict[str, Any]] = [
        {
            "severity": "SEV1",
            "model": "cv-detector",
            "kind": "quality",
            "ago": timedelta(days=10),
            "ack": 4,
            "resolve": 60,
            "detect": 2,
            "contain": ("rollback", 10, "recovered"),
            "reminders": 0,
        },
        {
            "severity": "SEV1",
            "model": "cv-detector",
            "kind": "quality",
            "ago": timedelta(days=5),
            "ack": 8,
            "resolve": 120,
            "detect": 6,
            "contain": ("fallback", 20, "not_recovered"),
            "reminders": 1,
        },
        {
            "severity": "SEV2",
            "model": "ranker",
            "kind": "serving",
            "ago": timedelta(days=2),
            "ack": 2,
            "resolve": None,
            "detect": None,
            "contain": None,
            "reminders": 0,
        },
        {
            "severity": "SEV1",
            "model": "drill-1-bad-retrain",
            "kind": "quality",
            "ago": timedelta(days=1),
            "ack": 1,
            "resolve": 5,
            "detect": None,
            "contain": None,
            "reminders": 0,
            "drill": "bad-retrain",
        },
        {
            "severity": "SEV1",
            "model": "cv-detector",
            "kind": "quality",
            "ago": timedelta(days=40),
            "ack": 1,
            "resolve": 5,
            "detect": None,
            "contain": None,
            "reminders": 0,
        },
    ]
    async with db.session_scope() as session:
        for case in cases:
            declared = NOW - case["ago"]
            incident = Incident(
                severity=case["severity"],
                title="seeded",
                model=case["model"],
                declared_by="U0004",
                declared_at=declared,
                acknowledged_at=declared + case["ack"] * MIN,
                resolved_at=declared + case["resolve"] * MIN if case["resolve"] else None,
                status="resolved" if case["resolve"] else "investigating",
                triage={"kind": case["kind"]},
                drill=case.get("drill"),
            )
            session.add(incident)
            await session.flush()
            if case["detect"] is not None:
                session.add(
                    Alert(
                        source="generic",
                        fingerprint=f"f{incident.id}",
                        status="firing",
                        model=case["model"],
                        received_at=declared,
                        updated_at=declared,
                        starts_at=declared - case["detect"] * MIN,
                        incident_id=incident.id,
                    )
                )
            if case["contain"] is not None:
                kind, after, verdict = case["contain"]
                action = Action(
                    incident_id=incident.id,
                    kind=kind,
                    model=case["model"],
                    backend="simulated",
                    status="succeeded",
                    requested_by="U0004",
                    requested_at=declared,
                    finished_at=declared + after * MIN,
                )
                session.add(action)
                await session.flush()
                session.add(
                    TimelineEvent(
                        incident_id=incident.id,
                        actor="sevbot",
                        kind="verification",
                        at=declared + (after + 60) * MIN,
                        data={"after_action": action.id, "verdicts": [{"verdict": verdict}]},
                    )
                )
            for n in range(case["reminders"]):
                session.add(
                    TimelineEvent(
                        incident_id=incident.id, actor="sevbot", kind="reminder", at=declared + (16 + n) * MIN, data={}
                    )
                )


async def test_the_numbers_of_a_seeded_history(db: Database) -> None:
    await seed(db)
    async with db.session_scope() as session:
        found = await insights(session, now=NOW, days=30)
    total = found.total
    assert (total.count, found.drills_left_out) == (3, 1)  # the drill and the 40-day-old incident are not counted
    assert total.acknowledge is not None and total.acknowledge.median_s == 240  # 2, 4, 8 min
    assert total.acknowledge.p90_s == pytest.approx(432)  # 4 + 0.8 × (8 − 4) min
    assert total.detect is not None and (total.detect.median_s, total.detect.n) == (240, 2)  # 2 and 6 min
    assert total.contain is not None and (total.contain.median_s, total.contain.p90_s) == (900, 1140)  # 10, 20 min
    assert total.resolve is not None and total.resolve.median_s == 5400  # 60 and 120 min; INC-3 is open
    assert (total.rollback, total.fallback, total.other) == (1, 1, 0)
    assert (total.first_worked, total.verified_first, total.failed_verifications) == (1, 2, 1)
    assert total.cadence_kept == 2  # INC-2 needed a reminder
    assert [(f.key, f.count) for f in found.severities] == [("SEV1", 2), ("SEV2", 1)]
    assert [(f.key, f.count) for f in found.models] == [("cv-detector", 2), ("ranker", 1)]
    assert [(f.key, f.count) for f in found.kinds] == [("quality", 2), ("serving", 1)]
    async with db.session_scope() as session:
        week = await insights(session, now=NOW, days=7, model="cv-detector")
    assert week.total.count == 1 and week.total.first == {"fallback": 1}


async def test_stats_from_slack(tmp_path: Path) -> None:
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(CONFIG)) as bot:
        await seed(bot.services.db)
        general = bot.channel("general").id
        said = (await bot.driver.slash("U0004", general, "stats 3650d")).ephemeral_text
        assert "Ask for 1 to 365 days" in said
        said = (await bot.driver.slash("U0004", general, "stats nosuch")).ephemeral_text
        assert "`nosuch` is not a model in sevbot.yml" in said
        said = (await bot.driver.slash("U0004", general, "stats 3000d")).ephemeral_text
        assert "Ask for 1 to 365 days" in said
        said = (await bot.driver.slash("U0004", general, "stats 365d cv-detector")).ephemeral_text
        assert "*The last 365 days of `cv-detector`*" in said and "drills left out" in said
        assert "• *SEV1* · 3 incidents" in said  # the seeded days are before the bot's clock: all three in a year
        assert "first containment 1 rollback, 1 fallback, 0 other; it worked 1 of 2 times" in said
