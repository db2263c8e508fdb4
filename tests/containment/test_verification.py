"""Verdicts over an SLO's window: recovered only when every point of a well-covered window is inside;
missing data is never a pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import SLO
from bot.containment.verification import SloVerdict, assess

NOW = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)
MAP = SLO(min=0.55, window=timedelta(minutes=60))
STEP = timedelta(minutes=1)


def _series(values: list[float], *, end: datetime = NOW) -> list[tuple[float, float]]:
    return [((end - STEP * (len(values) - 1 - n)).timestamp(), v) for n, v in enumerate(values)]


def test_held_for_the_window_is_recovered_and_better_than_the_breach() -> None:
    verdict = assess("map", MAP, _series([0.40] * 60 + [0.61] * 60), now=NOW, step=STEP)
    assert verdict.verdict == "recovered" and verdict.share_inside == 1.0 and verdict.current == 0.61
    assert verdict.p_value is not None and verdict.p_value < 0.01


def test_one_dip_in_the_window_is_not_recovered() -> None:
    values = [0.61] * 60
    values[30] = 0.50
    verdict = assess("map", MAP, _series(values), now=NOW, step=STEP)
    assert verdict.verdict == "not_recovered" and abs(verdict.share_inside - 59 / 60) < 1e-9  # type: ignore[operator]


def test_too_few_points_or_none_is_inconclusive() -> None:
    sparse = assess("map", MAP, _series([0.61] * 20), now=NOW, step=STEP)
    assert sparse.verdict == "inconclusive" and sparse.reason == "too_few_points"
    assert "only 20 of 60 points in the window" in _said(sparse)
    empty = assess("map", MAP, [], now=NOW, step=STEP)
    assert empty.verdict == "inconclusive" and empty.reason == "no_data"
    assert "no data in the window" in _said(empty)
    gaps = assess("map", MAP, _series([float("nan")] * 60), now=NOW, step=STEP)
    assert gaps.verdict == "inconclusive"


def test_upper_bounds() -> None:
    latency = SLO(max=120, window=timedelta(minutes=60))
    assert assess("latency_p95_ms", latency, _series([90.0] * 60), now=NOW, step=STEP).verdict == "recovered"
    assert assess("latency_p95_ms", latency, _series([130.0] * 60), now=NOW, step=STEP).bound == "≤ 120"


def _said(verdict: SloVerdict) -> str:
    """The verification's message in the channel, as people read it."""
    from types import SimpleNamespace

    from bot.texts import Texts

    data = {"model": "cv", "verdicts": [verdict.as_dict()], "error": None, "after_action": None}
    event = SimpleNamespace(kind="verification", actor="U0001", data=data)
    snap = SimpleNamespace(commander=None, roles={}, incident=SimpleNamespace(id=1, severity="SEV2"))
    return Texts().render("timeline_event.md.j2", snap=snap, i=snap.incident, event=event, data=data, role_label="")
