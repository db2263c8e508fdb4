"""The right incident and the right version, from every place containment starts: a stale alert card opens
nothing, a command from the alerts channel takes the card along, the incident card offers what triage
recommends, and an escalation page says what has been done."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import parse_config
from bot.runtime.server import ServerOptions
from bot.serving.simulated import SimulatedBackend
from tests.harness import CONFIG as BASE
from tests.harness import Bot, am_alert, am_payload, eventually, post_alert, running_bot

START = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
ONCALL = "U0004"


def _config(**extra: Any) -> Any:
    config = copy.deepcopy(BASE)
    config["models"]["cv-detector"]["serving"] = {"backend": "simulated"}
    config["escalation"] = [{"after": "10m", "notify": ["U0009"]}]
    config.update(extra)
    return parse_config(config)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def bot(clock: ManualClock, tmp_path: Path) -> AsyncIterator[Bot]:
    SimulatedBackend.reset(clock.now)
    options = ServerOptions(clock=clock, poll_s=0.05, tick_s=0)
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=_config(), options=options) as running:
        yield running


def _cameras(n: int, status: str = "firing") -> dict[str, Any]:
    return am_payload(
        *[am_alert(f"cam-{i}", 0.38, status=status, total=10, deployed_at="2026-11-22T02:40:00Z") for i in range(n)]
    )


def _plan(bot: Bot, channel: str, user: str) -> Any:
    plans = [m for m in bot.ws.channels[channel].messages if m.ephemeral_to == user and "Confirm" in str(m.blocks)]
    assert plans, bot.seen(channel)
    return plans[-1]


def _live() -> str:
    return SimulatedBackend.services["cv-detector"].live or ""


async def test_a_stale_alert_card_opens_no_incident_and_plans_nothing(bot: Bot, clock: ManualClock) -> None:
    await post_alert(bot, "alertmanager", _cameras(6))  # SEV1 after a deploy: declared, rollback recommended
    await bot.settled()
    (incident,) = bot.incident_channels()
    alerts = bot.channel("ml-alerts")
    card = alerts.messages[0]
    assert "[Roll back cv-detector]" in bot.seen(alerts.id)[0]
    stale = copy.deepcopy(card)  # what a client that never refreshed keeps showing

    # the incident card offers the rollback triage recommends; on-call runs it from there
    pinned = bot.ws.channels[incident.id].message(bot.ws.channels[incident.id].pins[0])
    assert "Roll back cv-detector" in str(pinned.blocks)
    await bot.driver.click(ONCALL, incident.id, pinned.ts, "incident_rollback")
    await bot.settled()
    plan = _plan(bot, incident.id, ONCALL)
    await bot.driver.click(ONCALL, incident.id, plan.ts, "action_confirm")
    await bot.settled()
    assert _live() == "1.8.2"
    clock.set(START + timedelta(minutes=107))
    await bot.driver.slash(ONCALL, incident.id, "resolve rolled back to 1.8.2; mAP back above 0.55")
    await post_alert(bot, "alertmanager", _cameras(6, status="resolved"))
    await bot.settled()

    shown = bot.seen(alerts.id)[0]
    assert "0 firing, 6 resolved" in shown, shown
    assert "INC-1 was resolved at 04:47 UTC; cv-detector was rolled back 2.0.0 → 1.8.2 by @dave" in shown, shown
    assert "Roll back" not in shown  # only the buttons valid now

    reply = await bot.driver.click(ONCALL, alerts.id, card.ts, "alert_rollback", as_shown=stale)
    assert reply.status == 200
    said = await eventually(lambda: [r["text"] for r in bot.ws.responses if "which is over" in str(r.get("text"))])
    assert "This alert became INC-1, which is over: INC-1 was resolved at 04:47 UTC" in said[0]
    assert "rolled back 2.0.0 → 1.8.2 by <@U0004>" in said[0]
    await bot.settled()
    assert len(bot.incident_channels()) == 1  # no INC-2
    assert not [m for m in bot.ws.channels[alerts.id].messages if "Confirm" in str(m.blocks)]  # no plan
    assert _live() == "1.8.2"


async def test_a_rollback_command_in_the_alerts_channel_takes_the_card_along(
    clock: ManualClock, tmp_path: Path
) -> None:
    SimulatedBackend.reset(clock.now)
    config = _config(severities={"SEV2": {"auto_declare": False}})
    options = ServerOptions(clock=clock, poll_s=0.05, tick_s=0)
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=config, options=options) as bot:
        await post_alert(bot, "alertmanager", _cameras(3))  # SEV2, not declared by itself
        await bot.settled()
        alerts = bot.channel("ml-alerts")
        card = alerts.messages[0]
        stale = copy.deepcopy(card)
        reply = await bot.driver.slash(ONCALL, alerts.id, "rollback cv-detector")
        assert "I declared *INC-1* (SEV2)" in reply.ephemeral_text
        await bot.settled()
        assert "Declared as *INC-1*" in bot.seen(alerts.id)[0]
        assert "[Declare SEV2]" not in bot.seen(alerts.id)[0]
        # a client still showing the old card: its Declare says what became of it, and opens nothing
        await bot.driver.click(ONCALL, alerts.id, card.ts, "alert_declare", as_shown=stale)
        await bot.settled()
        said = await eventually(lambda: [r["text"] for r in bot.ws.responses if "became INC-1" in str(r.get("text"))])
        assert said
        assert len(bot.incident_channels()) == 1


async def test_escalation_says_what_has_been_done_and_what_is_missing(bot: Bot, clock: ManualClock) -> None:
    await post_alert(bot, "alertmanager", _cameras(3))  # SEV2 declared by itself: nobody acknowledged yet
    await bot.settled()
    (incident,) = bot.incident_channels()
    clock.set(START + timedelta(minutes=4))
    await bot.driver.slash("U0005", incident.id, "rollback cv-detector")  # erin, a responder, contains
    await bot.settled()
    await bot.driver.click("U0005", incident.id, _plan(bot, incident.id, "U0005").ts, "action_confirm")
    await bot.settled()
    clock.set(START + timedelta(minutes=10))
    await bot.services.cadence.tick()
    await bot.settled()
    (dm,) = [c for c in bot.ws.channels.values() if c.is_im and "U0009" in c.members]
    page = dm.messages[0].text
    assert "nobody has acknowledged it and nobody has taken command* after 10 min" in page, page
    assert "Done so far: cv-detector was rolled back 2.0.0 → 1.8.2 by <@U0005> at 03:04 UTC." in page, page
    posted = [t for t in bot.seen(incident.id) if "*Escalation 1:*" in t]
    assert posted and "Done so far: cv-detector was rolled back 2.0.0 → 1.8.2 by @erin at 03:04 UTC." in posted[0]
