"""A typed `/incident update` after a rollback says the rollback as its mitigation, as the form's draft does, instead
of "none yet" (issue 35); before any containment it still says none yet."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.config import parse_config
from bot.runtime.server import ServerOptions
from bot.serving.simulated import SimulatedBackend
from tests.harness import CONFIG, running_bot

START = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


async def test_a_typed_update_says_the_containment_in_place(tmp_path: Path) -> None:
    clock = ManualClock(START)
    SimulatedBackend.reset(clock.now)
    config = copy.deepcopy(CONFIG)
    model = config["models"]["cv-detector"]
    model["serving"] = {"backend": "simulated", "quality": {"2.0.0": 0.38, "1.8.2": 0.66}}
    model["metrics"] = {"backend": "simulated"}
    options = ServerOptions(clock=clock, poll_s=0.05, tick_s=0)
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config), options=options) as bot:
        await bot.driver.slash("U0004", bot.channel("general").id, "declare sev1 cv-detector mAP collapsed")
        await bot.settled()
        channel = bot.incident_channels()[0].id
        await bot.driver.slash("U0004", channel, "update looking at the retrain")
        await bot.settled()
        assert "*Mitigation:* none yet\n" in bot.seen(channel)[-1], bot.seen(channel)[-1]
        clock.advance(timedelta(minutes=5))
        await bot.driver.slash("U0004", channel, "rollback cv-detector")
        await bot.settled()
        plan = [m for m in bot.ws.channels[channel].messages if m.ephemeral_to == "U0004"][-1]
        await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
        await bot.settled()
        await bot.driver.slash("U0004", channel, "update rolled back, verifying")
        await bot.settled()
        update = next(m for m in reversed(bot.seen(channel)) if "Incident update" in m)
        assert "*Mitigation:* cv-detector was rolled back 2.0.0 → 1.8.2 by @dave at 03:05 UTC\n" in update, update
        assert "none yet" not in update
