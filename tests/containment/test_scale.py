"""Scale out and restart from Slack: a serving incident's card offers both (the runbook's first moves for latency),
the plan says how many replicas serve now and how many after, Confirm does it on the platform once; a number can be
named."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

from bot.config import parse_config
from bot.serving.simulated import SimulatedBackend
from tests.harness import CONFIG, running_bot


async def test_a_serving_incident_is_scaled_out_from_its_card_and_by_command(tmp_path: Path) -> None:
    SimulatedBackend.reset(lambda: datetime.now(UTC))
    config = copy.deepcopy(CONFIG)
    model = config["models"]["cv-detector"]
    model["serving"] = {"backend": "simulated", "replicas": 2}
    model["slos"] = {"latency_p95_ms": {"max": 120, "window": "30m"}}
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config)) as bot:
        status, _ = await bot.post_alert(
            "generic", {"model": "cv-detector", "metric": "latency_p95_ms", "value": 310, "failure_rate": 0.08}
        )
        assert status == 202
        await bot.settled()
        channel = bot.incident_channels()[0]
        card = channel.message(channel.pins[0])
        labels = [e["text"]["text"] for b in card.blocks for e in b.get("elements", []) if e.get("type") == "button"]
        assert "Scale out cv-detector" in labels and "Restart cv-detector" in labels, labels
        await bot.driver.click("U0004", channel.id, card.ts, "incident_scale")
        await bot.settled()
        plan = [m for m in channel.messages if m.ephemeral_to == "U0004"][-1]
        assert "scale cv-detector (2.0.0): 2 → 4 replicas" in plan.text, plan.text
        await bot.driver.click("U0004", channel.id, plan.ts, "action_confirm")
        await bot.settled()
        assert (await SimulatedBackend("cv-detector", {}).describe()).replicas == 4
        assert "`cv-detector` scaled to *4* replicas on the simulated model service" in "\n".join(bot.seen(channel.id))
        bad = await bot.driver.slash("U0004", channel.id, "scale cv-detector lots")
        assert "a whole number from 1 to 1000, not `lots`" in bad.ephemeral_text
        same = await bot.driver.slash("U0004", channel.id, "scale cv-detector 4")
        await bot.settled()
        answer = [m for m in channel.messages if m.ephemeral_to == "U0004"][-1]
        assert "already runs 4 replicas: nothing to change" in answer.text, (same, answer.text)
        await bot.driver.slash("U0004", channel.id, "scale cv-detector 3")
        await bot.settled()
        plan = [m for m in channel.messages if m.ephemeral_to == "U0004"][-1]
        assert "4 → 3 replicas" in plan.text
        await bot.driver.click("U0004", channel.id, card.ts, "incident_restart")
        await bot.settled()
        plan = [m for m in channel.messages if m.ephemeral_to == "U0004"][-1]
        assert "restart the replicas of cv-detector (2.0.0)" in plan.text, plan.text
        await bot.driver.click("U0004", channel.id, plan.ts, "action_confirm")
        await bot.settled()
        assert "`cv-detector`'s replicas restarted on the simulated model service" in "\n".join(bot.seen(channel.id))
        assert "restarted_at" in (await SimulatedBackend("cv-detector", {}).describe()).details
