"""Who may act, tried the way an outsider would: every path to containment (command, alert card, incident
card, Confirm, Cancel) refuses a workspace member who is not entitled, and changes nothing on the platform."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import parse_config
from bot.serving.simulated import SimulatedBackend
from tests.harness import CONFIG as BASE
from tests.harness import Bot, am_alert, am_payload, eventually, make_emulator, post_alert, running_bot, timeline

OUTSIDER = "U0001"  # alice: in the workspace, no role, not an owner, not on-call, not a responder
ONCALL = "U0004"  # dave: on-call for cv-detector
GROUP_MEMBER = "U0002"  # bob: owns ranker only, but is in the ml-mlops user group


def _config(**extra: Any) -> Any:
    config = copy.deepcopy(BASE)
    config["responders"] = ["U0005", "S0MLOPS"]
    config["models"]["cv-detector"]["serving"] = {"backend": "simulated"}
    config.update(extra)
    return parse_config(config)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    SimulatedBackend.reset(lambda: __import__("datetime").datetime.now(__import__("datetime").UTC))
    emulator = make_emulator()
    emulator.workspace.add_usergroup("S0MLOPS", "ml-mlops", [GROUP_MEMBER])
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=_config(), emulator=emulator) as running:
        yield running


def _live() -> str | None:
    state = SimulatedBackend.services.get("cv-detector")
    return state.live if state else "2.0.0"


def _private(bot: Bot, channel: str, user: str) -> list[str]:
    return [m.text for m in bot.ws.channels[channel].messages if m.ephemeral_to == user]


def _plan(bot: Bot, channel: str, user: str) -> Any:
    plans = [m for m in bot.ws.channels[channel].messages if m.ephemeral_to == user and "Confirm" in str(m.blocks)]
    assert plans, bot.seen(channel)
    return plans[-1]


async def _incident(bot: Bot, by: str = ONCALL) -> str:
    await bot.driver.slash(by, bot.channel("general").id, "declare sev2 cv-detector mAP down on cams 23-40")
    await bot.settled()
    return bot.incident_channels()[-1].id


async def _statuses(bot: Bot) -> list[str]:
    return [d["status"] for _, _, kind, d in await timeline(bot) if kind == "action"]


async def test_an_outsider_who_takes_command_still_cannot_contain(bot: Bot) -> None:
    channel = await _incident(bot)
    reply = await bot.driver.slash(OUTSIDER, channel, f"role comms <@{OUTSIDER}>")
    assert reply.status == 200 and "warning" not in reply.text  # an empty role is open to everyone
    taken = await bot.driver.slash(OUTSIDER, channel, f"role commander <@{OUTSIDER}>")
    assert "You may not take command of INC-1" in taken.ephemeral_text  # taking it from the commander is not
    await bot.settled()
    for command in ("fallback cv-detector", "canary cv-detector 0", "rollback cv-detector", "review cv-detector on"):
        reply = await bot.driver.slash(OUTSIDER, channel, command)
        text = reply.ephemeral_text
        assert "You may not" in text and "`cv-detector`" in text, text
        assert "its owners (@U0003), on-call (@U0004), the responders in sevbot.yml (@U0005" in text, text
        assert "`/incident role ops @you`" in text and "Your attempt is on INC-1's timeline" in text
    await bot.settled()
    assert _live() == "2.0.0"
    assert await _statuses(bot) == ["refused"] * 4


async def test_the_incident_cards_commander_button_grants_no_containment(bot: Bot) -> None:
    await post_alert(bot, "alertmanager", am_payload(*[am_alert(f"cam-{n}", 0.3, total=10) for n in range(6)]))
    await bot.settled()
    (incident,) = bot.incident_channels()  # SEV1, declared automatically: nobody is commander yet
    card = bot.ws.channels[incident.id].message(bot.ws.channels[incident.id].pins[0])
    await bot.driver.click(OUTSIDER, incident.id, card.ts, "incident_take_command")
    await bot.settled()
    assert "@alice is now *Commander* (took it on)" in "\n".join(bot.seen(incident.id))
    reply = await bot.driver.slash(OUTSIDER, incident.id, "fallback cv-detector on")
    assert "You may not switch to the fallback of `cv-detector`" in reply.ephemeral_text
    await bot.settled()
    assert not SimulatedBackend.services.get("cv-detector") or not SimulatedBackend.services["cv-detector"].fallback


async def test_a_role_given_by_someone_entitled_lets_them_contain(bot: Bot) -> None:
    channel = await _incident(bot)
    await bot.driver.slash(ONCALL, channel, f"role ops <@{OUTSIDER}>")  # dave may act, so alice now may
    await bot.settled()
    await bot.driver.slash(OUTSIDER, channel, "rollback cv-detector")
    await bot.settled()
    plan = _plan(bot, channel, OUTSIDER)
    await bot.driver.click(OUTSIDER, channel, plan.ts, "action_confirm")
    await bot.settled()
    assert _live() == "1.8.2"


async def test_an_outsiders_card_rollback_is_refused_and_opens_no_incident(tmp_path: Path) -> None:
    SimulatedBackend.reset(lambda: __import__("datetime").datetime.now(__import__("datetime").UTC))
    config = _config(severities={"SEV2": {"auto_declare": False}})
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=config) as bot:
        cameras = [am_alert(f"cam-{n}", 0.38, total=10, deployed_at="2026-11-22T02:40:00Z") for n in range(3)]
        await post_alert(bot, "alertmanager", am_payload(*cameras))
        await bot.settled()
        alerts = bot.channel("ml-alerts")
        card = alerts.messages[0]
        assert "[Roll back cv-detector]" in bot.seen(alerts.id)[0]
        await bot.driver.click(OUTSIDER, alerts.id, card.ts, "alert_rollback")
        await bot.settled()
        (refusal,) = _private(bot, alerts.id, OUTSIDER)
        assert "You may not roll back `cv-detector`" in refusal and "no incident was opened" in refusal
        assert bot.incident_channels() == []
        assert _live() == "2.0.0"
        # the same card, clicked by on-call: declared from the card, then the plan
        await bot.driver.click(ONCALL, alerts.id, card.ts, "alert_rollback")
        await bot.settled()
        assert len(bot.incident_channels()) == 1
        assert _plan(bot, alerts.id, ONCALL)


async def test_a_stranger_cannot_confirm_or_cancel_someone_elses_plan(bot: Bot) -> None:
    channel = await _incident(bot)
    await bot.driver.slash(ONCALL, channel, "rollback cv-detector")
    await bot.settled()
    plan = _plan(bot, channel, ONCALL)
    for action in ("action_cancel", "action_confirm"):  # a forged click on dave's plan
        reply = await bot.driver.click(OUTSIDER, channel, plan.ts, action, forged=True)
        assert reply.status == 200
    await bot.settled()
    refusals = await eventually(
        lambda: [t for r in bot.ws.responses if "You may not" in (t := str(r.get("text")))][1:] and refusals_now(bot)
    )
    assert any("cancel this rollback of `cv-detector` (asked for by <@U0004>)" in r for r in refusals), refusals
    assert any("confirm this rollback of `cv-detector`" in r for r in refusals), refusals
    assert bot.ws.channels[channel].message(plan.ts).blocks  # the plan still stands, buttons and all
    assert _live() == "2.0.0"
    assert await _statuses(bot) == ["refused", "refused"]
    await bot.driver.click(ONCALL, channel, plan.ts, "action_cancel")  # its requester may withdraw it
    await bot.settled()
    assert "<@U0004> cancelled" in bot.ws.channels[channel].message(plan.ts).text


async def test_responders_given_as_a_user_group_may_act(bot: Bot) -> None:
    await _incident(bot)
    channel = bot.channel("general").id  # from anywhere: the model's open incident is found
    await bot.driver.slash(GROUP_MEMBER, channel, "rollback cv-detector")
    await bot.settled()
    plan = _plan(bot, channel, GROUP_MEMBER)
    await bot.driver.click(GROUP_MEMBER, channel, plan.ts, "action_confirm")
    await bot.settled()
    assert _live() == "1.8.2"


async def test_declaring_grants_nothing(bot: Bot) -> None:
    channel = await _incident(bot, by=OUTSIDER)  # alice declares: she is commander, and still may not contain
    reply = await bot.driver.slash(OUTSIDER, channel, "rollback cv-detector")
    assert "You may not roll back `cv-detector`" in reply.ephemeral_text
    await bot.settled()
    assert _live() == "2.0.0"


def refusals_now(bot: Bot) -> list[str]:
    return [str(r.get("text")) for r in bot.ws.responses if "You may not" in str(r.get("text"))]
