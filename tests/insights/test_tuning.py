"""Alert tuning on a seeded set of alert groups whose answers can be worked out by hand: which rules were noise,
how often and how, the values they fired at, and the line that would have kept the real ones; drills and undecided
groups left out. Then the same suggestions in words, as App Home and the digest say them."""

from __future__ import annotations

from datetime import timedelta

from bot.insights.tuning import Fate, noisiest, suggest_line
from bot.models import Action, Alert, AlertGroup, Incident
from bot.runtime.db import Database
from bot.texts import Texts
from tests.domain import NOW

MIN = timedelta(minutes=1)


async def _group(
    db: Database,
    *,
    rule: str,
    model: str,
    value: float,
    threshold: float,
    status: str,
    incident: str | None = None,  # "contained" | "nothing" | "open"
) -> None:
    async with db.session_scope() as session:
        incident_id = None
        if incident is not None:
            row = Incident(
                severity="SEV2",
                title="seeded",
                model=model,
                declared_by="U0004",
                declared_at=NOW - 60 * MIN,
                status="investigating" if incident == "open" else "resolved",
                resolved_at=None if incident == "open" else NOW - 10 * MIN,
            )
            session.add(row)
            await session.flush()
            incident_id = row.id
            if incident == "contained":
                session.add(
                    Action(
                        incident_id=incident_id,
                        kind="rollback",
                        model=model,
                        backend="simulated",
                        status="succeeded",
                        requested_by="U0004",
                        requested_at=NOW - 50 * MIN,
                        finished_at=NOW - 45 * MIN,
                    )
                )
        group = AlertGroup(
            key=model,
            model=model,
            status=status,
            severity="SEV3",
            title=rule,
            created_at=NOW - 2 * timedelta(days=1),
            updated_at=NOW,
            incident_id=incident_id,
        )
        session.add(group)
        await session.flush()
        session.add(
            Alert(
                source="alertmanager",
                fingerprint=f"{rule}-{group.id}",
                status="resolved",
                model=model,
                metric=rule.lower(),
                value=value,
                threshold=threshold,
                details={"name": rule},
                received_at=NOW - 2 * timedelta(days=1),
                updated_at=NOW,
                incident_id=incident_id,
                group_id=group.id,
            )
        )


async def seed(db: Database) -> None:
    # PSIAboveLimit on ranker, fires above 0.2: 12 dismissed at 0.210 … 0.265, 2 real at 0.283 and 0.31
    for n in range(12):
        await _group(
            db, rule="PSIAboveLimit", model="ranker", value=0.21 + n * 0.005, threshold=0.2, status="dismissed"
        )
    for value in (0.283, 0.31):
        await _group(
            db,
            rule="PSIAboveLimit",
            model="ranker",
            value=value,
            threshold=0.2,
            status="declared",
            incident="contained",
        )
    # MapBelowSLO on cv-detector, fires below 0.55: 3 never declared and 1 declared but nothing contained (0.52 …
    # 0.545), 2 real (0.40, 0.45; one still open)
    for value in (0.53, 0.54, 0.545):
        await _group(db, rule="MapBelowSLO", model="cv-detector", value=value, threshold=0.55, status="resolved")
    await _group(
        db, rule="MapBelowSLO", model="cv-detector", value=0.52, threshold=0.55, status="declared", incident="nothing"
    )
    await _group(
        db, rule="MapBelowSLO", model="cv-detector", value=0.40, threshold=0.55, status="declared", incident="contained"
    )
    await _group(
        db, rule="MapBelowSLO", model="cv-detector", value=0.45, threshold=0.55, status="declared", incident="open"
    )
    # ErrorRateHigh on cv-detector: its noise fired harder than its one real alert, so no line separates them
    for value in (0.9, 0.95):
        await _group(db, rule="ErrorRateHigh", model="cv-detector", value=value, threshold=0.1, status="dismissed")
    await _group(
        db, rule="ErrorRateHigh", model="cv-detector", value=0.5, threshold=0.1, status="declared", incident="contained"
    )
    # left out: noisy only once, a drill's, and groups not decided yet (still open)
    await _group(db, rule="LatencyHigh", model="ranker", value=200, threshold=120, status="dismissed")
    for _ in range(3):
        await _group(
            db, rule="PSIAboveLimit", model="drill-1-bad-retrain", value=0.3, threshold=0.2, status="dismissed"
        )
        await _group(db, rule="PSIAboveLimit", model="ranker", value=0.22, threshold=0.2, status="open")


async def test_the_noisiest_rules_and_what_would_have_silenced_them(db: Database) -> None:
    await seed(db)
    async with db.session_scope() as session:
        rules = await noisiest(session, now=NOW, days=30)
    assert [(r.rule, r.model, r.noise, r.total) for r in rules] == [
        ("PSIAboveLimit", "ranker", 12, 14),
        ("MapBelowSLO", "cv-detector", 4, 6),
        ("ErrorRateHigh", "cv-detector", 2, 3),
    ]
    psi, map_, errors = rules
    assert dict(psi.fates) == {Fate.DISMISSED: 12, Fate.REAL: 2}
    assert psi.line is not None and (psi.line.value, psi.line.above, psi.current) == (0.28, True, 0.2)
    assert (psi.line.silenced, psi.line.kept) == (12, 2)
    assert dict(map_.fates) == {Fate.NEVER_DECLARED: 3, Fate.NOTHING_CONTAINED: 1, Fate.REAL: 2}
    assert map_.line is not None and (map_.line.value, map_.line.above) == (0.5, False)
    assert (map_.line.silenced, map_.line.kept) == (4, 2)
    assert errors.line is None
    async with db.session_scope() as session:
        assert await noisiest(session, now=NOW + timedelta(days=31), days=30) == []  # all older than the period

    said = Texts().render("digest.md.j2", week="2026-W47", stats=_no_stats(), noisy=rules)
    assert (
        "• *PSIAboveLimit* on `ranker`: 12 of 14 noise (12 dismissed), fired at 0.21–0.265 (line 0.2). "
        "Raising the line to 0.28 would have silenced 12 and kept the 2 that were real." in said
    )
    assert (
        "• *MapBelowSLO* on `cv-detector`: 4 of 6 noise (3 never declared, 1 declared, nothing contained), fired at "
        "0.52–0.545 (line 0.55). Lowering the line to 0.5 would have silenced 4 and kept the 2 that were real." in said
    )
    assert "• *ErrorRateHigh* on `cv-detector`: 2 of 3 noise (2 dismissed), fired at 0.9–0.95 (line 0.1). " in said
    assert "The noise fired as hard as the real alerts: no line separates them." in said


def test_the_line_is_as_round_as_still_separates() -> None:
    line = suggest_line([0.21, 0.268], [0.283, 0.31], above=True)
    assert line is not None and line.value == 0.28
    line = suggest_line([0.21, 0.279], [0.283], above=True)
    assert line is not None and line.value == 0.28
    line = suggest_line([0.21, 0.2805], [0.283], above=True)
    assert line is not None and line.value == 0.283
    line = suggest_line([0.21, 0.268], [], above=True)  # nothing real: just past the noise
    assert line is not None and (line.value, line.silenced, line.kept) == (0.3, 2, 0)
    line = suggest_line([180.0, 240.0], [410.0], above=True)  # latency in ms
    assert line is not None and line.value == 400
    line = suggest_line([180.0, 240.0], [], above=True)
    assert line is not None and line.value == 300
    assert suggest_line([0.3], [0.29], above=True) is None
    assert suggest_line([], [0.3], above=True) is None


def _no_stats():  # type: ignore[no-untyped-def]
    from bot.insights.stats import Figures, Insights

    empty = Figures(key="all", count=0, detect=None, acknowledge=None, contain=None, resolve=None)
    return Insights(
        since=NOW - timedelta(days=7),
        days=7,
        model=None,
        total=empty,
        severities=[],
        models=[],
        kinds=[],
        drills_left_out=0,
    )
