"""After a containment action sevbot checks the SLO once it could have held for its window, by itself: "ready to
resolve" when it did, "not recovered in time" when it did not. A controllable clock, no sleeping."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import parse_config
from bot.runtime.server import ServerOptions
from bot.serving.simulated import SimulatedBackend
from tests.harness import CONFIG, running_bot, timeline

START = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("quality_after", "said"),
    [
        (0.61, "≥ 0.55 for 1 h — recovered, ready to resolve"),
        (0.50, "of the last 1 h inside ≥ 0.55 — not recovered in time"),
    ],
)
async def test_verification_after_a_rollback(quality_after: float, said: str, tmp_path: Path) -> None:
    clock = ManualClock(START)
    SimulatedBackend.reset(clock.now)
    config = copy.deepcopy(CONFIG)
    model = config["models"]["cv-detector"]
    model["serving"] = {"backend": "simulated", "quality": {"2.0.0": 0.38, "1.8.2": quality_after}}
    model["metrics"] = {"backend": "simulated"}
    options = ServerOptions(clock=clock, poll_s=0.05)
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config), options=options) as bot:
        await bot.driver.slash("U0004", bot.channel("general").id, "declare sev1 cv-detector mAP collapsed")
        await bot.settled()
        channel = bot.incident_channels()[0].id
        clock.advance(timedelta(minutes=5))
        await bot.driver.slash("U0004", channel, "rollback cv-detector")
        await bot.settled()
        plan = [m for m in bot.ws.channels[channel].messages if m.ephemeral_to == "U0004"][-1]
        await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
        await bot.settled()
        clock.advance(timedelta(minutes=59))
        await bot.settled()
        assert not [d for _, _, kind, d in await timeline(bot) if kind == "verification"]  # not due yet
        clock.advance(timedelta(minutes=2))
        await bot.settled()
        verifications = [d for _, _, kind, d in await timeline(bot) if kind == "verification"]
        assert len(verifications) == 1 and verifications[0]["after_action"] == 1
        posted = "\n".join(bot.seen(channel))
        assert "*Verification of `cv-detector`* after the containment action" in posted
        assert said in posted, posted
