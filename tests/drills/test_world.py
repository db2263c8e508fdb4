"""A drill's metrics from its scenario: healthy, then breached per version and slice as the story goes, recovered by
the containment the scenario says, on a clock `speed` times the wall's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.drills import built_in
from bot.drills.world import Contained, World

START = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def test_the_bad_retrain_breaks_everywhere_until_rolled_back() -> None:
    world = World(built_in()["bad-retrain"], started_at=START)
    assert world.value("map", START - timedelta(minutes=20), noisy=False) == pytest.approx(0.64)  # before the deploy
    assert world.live(START - timedelta(minutes=20)) == "2.0.0"  # already the last version listed
    assert world.value("map", START, noisy=False) == pytest.approx(0.49)
    world.contained.append(Contained("rollback", START + timedelta(minutes=6)))
    assert world.value("map", START + timedelta(minutes=5), noisy=False) == pytest.approx(0.49)
    assert world.value("map", START + timedelta(minutes=7), noisy=False) == pytest.approx(0.64)


def test_lighting_is_localized_to_its_cameras() -> None:
    world = World(built_in()["lighting"], started_at=START)
    values = world.slice_values("map", START)
    assert values[:22] == [0.61] * 22 and values[22:] == [0.55] * 18
    assert world.value("map", START, noisy=False) == pytest.approx((22 * 0.61 + 18 * 0.55) / 40)
    world.contained.append(Contained("review", START + timedelta(minutes=3)))  # not the runbook's, but it helps
    assert world.value("map", START + timedelta(minutes=4), noisy=False) == pytest.approx(0.60)


def test_speed_compresses_the_scenarios_clock() -> None:
    world = World(built_in()["bad-retrain"], started_at=START, speed=10)
    assert world.drill_time(START + timedelta(minutes=6)) == timedelta(minutes=60)
    assert world.wall_time(timedelta(minutes=60)) == START + timedelta(minutes=6)
    with pytest.raises(ValueError, match="speed"):
        World(built_in()["bad-retrain"], started_at=START, speed=0)


def test_noise_is_the_scenarios_and_the_same_for_the_same_moment() -> None:
    world = World(built_in()["bad-retrain"], started_at=START)
    points = world.series("map", start=START, end=START + timedelta(minutes=59), step=timedelta(minutes=1))
    values = [v for _, v in points]
    assert len(values) == 60 and abs(sum(values) / 60 - 0.49) < 0.003
    assert 0.001 < max(values) - min(values) < 0.05
    assert world.series("map", start=START, end=START + timedelta(minutes=59), step=timedelta(minutes=1)) == points
