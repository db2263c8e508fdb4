"""Update reminders and escalation on a controllable clock (no sleeping): they fire when due, repeat at the
cadence while overdue and never faster, move with the severity, stop on resolve; Snooze is on the timeline;
each escalation step fires once."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import parse_config
from bot.runtime.server import ServerOptions
from tests.harness import CONFIG, Bot, am_alert, am_payload, eventually, post_alert, running_bot, timeline

START = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def bot(clock: ManualClock, tmp_path: Path) -> AsyncIterator[Bot]:
    config = copy.deepcopy(CONFIG)
    config["escalation"] = [{"after": "10m", "notify": ["U0009"]}, {"after": "20m", "notify": ["U0005", "S0ONCALL"]}]
    options = ServerOptions(clock=clock, poll_s=0.05, tick_s=0)  # the test ticks
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config), options=options) as running:
        yield running


async def _at(bot: Bot, clock: ManualClock, minutes: float) -> list[str]:
    """Move the clock, tick, let the outbox post; the reminders posted so far."""
    clock.set(START + timedelta(minutes=minutes))
    await bot.services.cadence.tick()
    await bot.settled()
    channel = bot.incident_channels()[0]
    return [text for text in bot.seen(channel.id) if ":alarm_clock:" in text]


async def _declare(bot: Bot, severity: str = "sev1") -> str:
    await bot.driver.slash("U0002", bot.channel("general").id, f"declare {severity} cv-detector mAP down")
    await bot.settled()
    return bot.incident_channels()[0].id


async def test_reminders_fire_when_due_and_repeat_at_the_cadence(bot: Bot, clock: ManualClock) -> None:
    channel = await _declare(bot, "sev1")  # updates every 15 min
    assert await _at(bot, clock, 14) == []
    first = await _at(bot, clock, 15)
    assert len(first) == 1 and "An update is due now (SEV1: every 15 min). @bob" in first[0]
    assert "[Post update] [Snooze 15 min] [Snooze 30 min] [Snooze 60 min]" in first[0]
    assert len(await _at(bot, clock, 16)) == 1 and len(await _at(bot, clock, 29)) == 1  # never faster
    second = await _at(bot, clock, 30)
    assert len(second) == 2 and "The update is *overdue by 15 min*" in second[1]
    reminders = [m for m in bot.ws.channels[channel].messages if m.text.startswith(":alarm_clock:")]
    live = [m for m in reminders if "Snooze" in str(m.blocks)]
    assert live == [reminders[-1]]  # only the newest reminder keeps its buttons
    assert reminders[0].text == ":alarm_clock: ~Update due~ — still due; see the reminder below."
    await bot.driver.slash("U0002", channel, "update rolled back to 1.8.2; watching mAP")
    await bot.settled()
    assert reminders[-1].text == ":alarm_clock: ~Update due~ — answered by <@U0002>'s update at 03:30 UTC."
    assert "Snooze" not in str(reminders[-1].blocks)
    assert len(await _at(bot, clock, 44)) == 2  # the update at 03:30 moved the next one to 03:45
    assert len(await _at(bot, clock, 45)) == 3
    reminders = [d for _, _, kind, d in await timeline(bot) if kind == "reminder"]
    assert len(reminders) == 3


async def test_severity_change_replans_and_resolve_stops(bot: Bot, clock: ManualClock) -> None:
    channel = await _declare(bot, "sev2")  # every 30 min: due 03:30
    clock.set(START + timedelta(minutes=10))
    await bot.driver.slash("U0002", channel, "severity sev1")  # every 15 min from now: due 03:25
    await bot.settled()
    assert any(
        "Severity changed from SEV2 to *SEV1* by @bob. Next update due 03:25 UTC." in t for t in bot.seen(channel)
    )
    assert await _at(bot, clock, 24) == []
    assert len(await _at(bot, clock, 25)) == 1
    await bot.driver.slash("U0002", channel, "resolve rolled back; mAP back above SLO")
    await bot.settled()
    for minutes in (40, 60, 120):
        assert len(await _at(bot, clock, minutes)) == 1  # nothing more for a resolved incident


async def test_snooze_is_recorded_and_holds_the_next_reminder(bot: Bot, clock: ManualClock) -> None:
    channel = await _declare(bot, "sev1")
    assert len(await _at(bot, clock, 15)) == 1
    message = [m for m in bot.ws.channels[channel].messages if ":alarm_clock:" in str(m.blocks)][-1]
    await bot.driver.click("U0002", channel, message.ts, "incident_snooze_30")
    await bot.settled()
    await eventually(lambda: message.edited)  # the reminder now says who snoozed it, until when
    assert (
        message.text == ":zzz: Snoozed by <@U0002> until 03:45 UTC; the next reminder comes then."
        and not message.blocks
    )
    assert await _at(bot, clock, 30) == [] and await _at(bot, clock, 44) == []
    assert len(await _at(bot, clock, 45)) == 1
    snoozes = [(actor, d["minutes"]) for _, actor, kind, d in await timeline(bot) if kind == "snoozed"]
    assert snoozes == [("U0002", 30)]
    assert any(":zzz: @bob snoozed update reminders for 30 min." in text for text in bot.seen(channel))


async def test_escalation_steps_fire_once_each_until_acknowledged(bot: Bot, clock: ManualClock) -> None:
    await post_alert(bot, "alertmanager", am_payload(*[am_alert(f"cam-{n}", 0.4) for n in range(6)]))
    await bot.settled()  # SEV1, declared automatically, nobody has acknowledged
    channel = bot.incident_channels()[0].id

    def escalations() -> list[str]:
        return [t for t in bot.seen(channel) if "*Escalation" in t]

    await _at(bot, clock, 9)
    assert escalations() == []
    await _at(bot, clock, 10)
    await _at(bot, clock, 11)
    assert len(escalations()) == 1 and "Notifying @manager" in escalations()[0]
    manager_dm = [c for c in bot.ws.channels.values() if c.is_im and "U0009" in c.members]
    assert len(manager_dm) == 1 and len(manager_dm[0].messages) == 1
    assert "nobody has acknowledged it and nobody has taken command* after 10 min" in manager_dm[0].messages[0].text
    assert "No containment yet." in manager_dm[0].messages[0].text
    await _at(bot, clock, 20)
    await _at(bot, clock, 25)
    assert len(escalations()) == 2 and "Notifying @erin, <!subteam^S0ONCALL>" in escalations()[1]
    await bot.driver.slash("U0004", channel, "ack")
    await bot.settled()
    await _at(bot, clock, 60)
    assert len(escalations()) == 2
    steps = [d["step"] for _, _, kind, d in await timeline(bot) if kind == "escalated"]
    assert steps == [1, 2]


async def test_a_sev2_is_reminded_every_30_min_and_post_update_starts_from_the_alerts(
    bot: Bot, clock: ManualClock
) -> None:
    await post_alert(bot, "alertmanager", am_payload(am_alert("cam-10", 0.41), am_alert("cam-2", 0.43)))
    await bot.settled()  # 2 of 10 cameras: SEV2, declared automatically
    channel = bot.incident_channels()[0].id
    assert "SEV2" in bot.ws.channels[channel].topic and "next update 03:30 UTC" in bot.ws.channels[channel].topic
    assert await _at(bot, clock, 29) == []
    assert len(await _at(bot, clock, 30)) == 1 and len(await _at(bot, clock, 59)) == 1
    reminders = await _at(bot, clock, 60)
    assert len(reminders) == 2 and "overdue by 30 min* (SEV2: every 30 min)" in reminders[1]
    reminder = [m for m in bot.ws.channels[channel].messages if ":alarm_clock:" in str(m.blocks)][-1]
    await bot.driver.click("U0004", channel, reminder.ts, "incident_post_update")
    view = bot.ws.views[await bot.opened_view("Post an update")]
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b.get("type") == "input"}
    assert initial["scope_block"] == "2 of 10 cameras in breach: cam-2, cam-10"


async def test_a_failed_direct_message_is_retried_without_paging_the_others_twice(bot: Bot, clock: ManualClock) -> None:
    bot.services.config.escalation[0].notify.append("U0004")  # the first step pages the manager and dave
    await post_alert(bot, "alertmanager", am_payload(*[am_alert(f"cam-{n}", 0.4) for n in range(6)]))
    await bot.settled()
    bot.emulator.fail("chat.postMessage", "fatal_error", where={"channel": "U0004"})  # dave's DM, once
    clock.set(START + timedelta(minutes=10))
    await bot.services.cadence.tick()
    bot.services.dispatcher.wake()
    await eventually(lambda: bot.emulator.calls_to("chat.postMessage", ok=False)[-1].error == "fatal_error")
    await _at(bot, clock, 10.1)  # the failed DM's retry falls due
    dms = {u: c for c in bot.ws.channels.values() if c.is_im for u in c.members if u in ("U0004", "U0009")}
    assert [len(dms[u].messages) for u in ("U0004", "U0009")] == [1, 1]  # each paged once, dave after a retry
    assert [c.error for c in bot.emulator.calls_to("chat.postMessage", ok=False)].count("fatal_error") == 1
