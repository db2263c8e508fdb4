"""A breached guardrail's countdown: sevbot freezes the canary itself when it runs out (once, recorded as done by
sevbot for the guardrail, the canary marked known bad), unless someone who may contain cancels first; *Do it now*
runs it at once. Cancel and the countdown's end race to one winner."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.config import parse_config
from bot.containment.ledger import ledger
from bot.runtime.server import ServerOptions
from bot.serving.simulated import SimulatedBackend
from tests.harness import CONFIG, Bot, card_text, running_bot, timeline

START = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def bot(clock: ManualClock, tmp_path: Path) -> AsyncIterator[Bot]:
    config = copy.deepcopy(CONFIG)
    model = config["models"]["cv-detector"]
    model["serving"] = {
        "backend": "simulated",
        "versions": [
            {"version": "2.0.0", "created_at": "2026-11-01T09:00:00Z"},
            {"version": "2.1.0", "created_at": "2026-11-22T01:00:00Z", "dataset": "c0de5e1"},
        ],
        "live": "2.0.0",
        "canary": {"version": "2.1.0", "percent": 5},
        "quality": {"2.0.0": 0.62, "2.1.0": 0.58},
    }
    model["metrics"] = {"backend": "simulated"}
    model["guardrails"] = {"checks": {"map": {"max_drop": 0.01}}, "for": "10m", "action": "freeze", "countdown": "2m"}
    SimulatedBackend.reset(clock.now)
    options = ServerOptions(clock=clock, poll_s=0.05, tick_s=0)
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config), options=options) as running:
        yield running


async def _breached(bot: Bot, clock: ManualClock) -> str:
    """Ten minutes of a breached guardrail: the incident, its countdown posted; the countdown message's ts."""
    assert await bot.services.guardrails.tick() == []
    clock.advance(timedelta(minutes=10))
    assert await bot.services.guardrails.tick() == [1]
    await bot.settled()
    (channel,) = bot.incident_channels()
    (countdown,) = [m for m in channel.messages if "I will freeze the canary" in m.text]
    assert (
        "at 03:12 UTC I will freeze the canary (0 % of its traffic)* myself, unless someone cancels" in countdown.text
    )
    assert "Do it now" in str(countdown.blocks) and "Cancel" in str(countdown.blocks)
    card = card_text(bot, channel.id)  # the canary named with its lineage, stable against canary
    assert "guardrail breached on canary `2.1.0` (data c0de5e1) at 5 % of traffic: map 0.5" in card
    assert "against 0.6" in card and "on `2.0.0`, below its line 0.6" in card
    return countdown.ts


async def _run_out(bot: Bot, clock: ManualClock) -> None:
    clock.advance(timedelta(minutes=2))
    bot.services.dispatcher.wake()
    await bot.settled()


async def test_at_zero_sevbot_freezes_the_canary_itself_once(bot: Bot, clock: ManualClock) -> None:
    ts = await _breached(bot, clock)
    state = SimulatedBackend.services["cv-detector"]
    assert state.canary_percent == 5
    await _run_out(bot, clock)
    (channel,) = bot.incident_channels()
    settled = bot.ws.channels[channel.id].message(ts)  # the countdown's message says it ran out; no buttons left
    assert "The countdown ran out and nobody cancelled: sevbot freezes the canary `2.1.0`" in settled.text
    assert "Do it now" not in str(settled.blocks) and "Cancel" not in str(settled.blocks)
    state = SimulatedBackend.services["cv-detector"]
    assert state.canary_percent == 0 and state.canary is None
    actions = [(actor, d) for _, actor, kind, d in await timeline(bot) if kind == "action"]
    assert [(actor, d["action"], d["status"], d["confirmed_by"]) for actor, d in actions] == [
        ("sevbot", "canary", "succeeded", "sevbot")
    ]
    async with bot.services.db.session_scope() as session:
        marks = await ledger(session, "cv-detector")
    assert marks.is_bad("2.1.0")
    await _run_out(bot, clock)  # nothing runs twice
    assert len([1 for _, _, kind, _ in await timeline(bot) if kind == "action"]) == 1


async def test_a_cancel_before_zero_wins_and_only_the_entitled_may(bot: Bot, clock: ManualClock) -> None:
    ts = await _breached(bot, clock)
    (channel,) = bot.incident_channels()
    bot.ws.channels[channel.id].members.append("U0002")
    await bot.driver.click("U0002", channel.id, ts, "countdown_cancel")  # bob owns ranker, not cv-detector
    await bot.settled()
    told = [m for m in bot.ws.channels[channel.id].messages if m.ephemeral_to == "U0002"]
    assert told and "You may not cancel this canary of `cv-detector`" in told[-1].text
    await bot.driver.click("U0004", channel.id, ts, "countdown_cancel")  # dave is on-call for it: asked why
    view_id = await bot.opened_view("Cancel sevbot's action")
    empty = await bot.driver.submit("U0004", view_id, {"reason": "  "})
    assert "Say why: it is kept on the incident's timeline." in empty.json["errors"]["reason_block"]
    await bot.driver.submit("U0004", view_id, {"reason": "a labelling lag on 2.1.0's eval set; watching it by hand"})
    await bot.settled()
    settled = bot.ws.channels[channel.id].message(ts)
    assert "Cancelled by <@U0004>*: a labelling lag on 2.1.0's eval set; watching it by hand" in settled.text
    assert "Do it now" not in str(settled.blocks)
    await _run_out(bot, clock)
    assert SimulatedBackend.services["cv-detector"].canary_percent == 5  # cancelled: sevbot did nothing
    attempts = [(actor, d["status"], d.get("why")) for _, actor, kind, d in await timeline(bot) if kind == "action"]
    assert attempts == [
        ("U0002", "refused", None),  # bob's refused Cancel, on the timeline
        ("U0004", "cancelled", "a labelling lag on 2.1.0's eval set; watching it by hand"),  # who and why
    ]


async def test_do_it_now_runs_at_once_and_the_countdown_then_does_nothing(bot: Bot, clock: ManualClock) -> None:
    ts = await _breached(bot, clock)
    (channel,) = bot.incident_channels()
    await bot.driver.click("U0004", channel.id, ts, "action_confirm")
    await bot.settled()
    assert SimulatedBackend.services["cv-detector"].canary_percent == 0
    await _run_out(bot, clock)
    actions = [d for _, _, kind, d in await timeline(bot) if kind == "action"]
    assert [(d["status"], d["confirmed_by"]) for d in actions] == [("succeeded", "U0004")]


async def test_a_cancel_racing_the_end_of_the_countdown_has_one_winner(bot: Bot, clock: ManualClock) -> None:
    ts = await _breached(bot, clock)
    (channel,) = bot.incident_channels()
    await bot.driver.click("U0004", channel.id, ts, "countdown_cancel")
    view_id = await bot.opened_view("Cancel sevbot's action")
    clock.advance(timedelta(minutes=2))
    bot.services.dispatcher.wake()  # the countdown's row is due now, while dave submits his Cancel
    await bot.driver.submit("U0004", view_id, {"reason": "racing the clock"})
    await bot.settled()
    ran = [d for _, _, kind, d in await timeline(bot) if kind == "action" and d["status"] == "succeeded"]
    frozen = SimulatedBackend.services["cv-detector"].canary_percent == 0
    async with bot.services.db.session_scope() as session:
        from bot.models import Action

        (action,) = (await session.exec(select(Action))).all()
    assert action.status in ("cancelled", "succeeded")
    assert (action.status == "succeeded") == frozen == bool(ran)  # exactly one of the two happened


async def test_a_guardrail_without_data_for_its_for_is_said_on_the_card(clock: ManualClock, tmp_path: Path) -> None:
    """The canary's readings are missing (the store has no series for it): neither a pass nor a breach, and after
    `for` the model's open incident's card says so."""
    config = copy.deepcopy(CONFIG)
    model = config["models"]["cv-detector"]
    model["serving"] = {
        "backend": "simulated",
        "versions": [{"version": "2.0.0"}, {"version": "2.1.0"}],
        "live": "2.0.0",
        "canary": {"version": "2.1.0", "percent": 5},
        "quality": {"2.0.0": 0.62},  # nothing for 2.1.0
    }
    model["metrics"] = {"backend": "simulated"}
    model["guardrails"] = {"checks": {"map": {"max_drop": 0.01}}, "for": "10m", "action": "none"}
    SimulatedBackend.reset(clock.now)
    options = ServerOptions(clock=clock, poll_s=0.05, tick_s=0)
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config), options=options) as bot:
        await bot.driver.slash("U0004", bot.channel("general").id, "declare sev3 cv-detector canary looks odd")
        await bot.settled()
        (channel,) = bot.incident_channels()
        assert await bot.services.guardrails.tick() == []
        clock.advance(timedelta(minutes=9))
        assert await bot.services.guardrails.tick() == []
        await bot.settled()
        assert "Guardrail without data" not in card_text(bot, channel.id)
        clock.advance(timedelta(minutes=1))
        assert await bot.services.guardrails.tick() == []  # never a breach: no incident of its own
        await bot.settled()
        assert "*Guardrail without data:* map of canary `2.1.0` since 03:00 UTC: neither a pass nor a breach" in (
            card_text(bot, channel.id)
        )
        assert len(bot.incident_channels()) == 1
