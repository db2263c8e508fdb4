"""Memory through Slack: a new incident's card names the past incident most like it, with what contained it and
how soon it recovered, its cause and its open action items (recalled after the ack, through the outbox); the
button lists them all; resolving with the same cause while the old action item is open says so in the channel and
the postmortem, and once it is marked done nothing is said. The catch-up at each phase, and offered once to a late
joiner."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import parse_config
from bot.models import Action, TimelineEvent
from bot.tryout.emulator.transcript import named
from tests.harness import CONFIG, Bot, am_alert, am_payload, card_text, declare, post_alert, running_on

START = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def bot(clock: ManualClock, tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_on(clock, tmp_path) as running:
        yield running


async def _contained(bot: Bot, incident_id: int, clock: ManualClock) -> None:
    """A rollback that worked, as the containment path records it (the tests' MLflow is not running here)."""
    declared = clock.now()
    async with bot.services.db.session_scope() as session:
        action = Action(
            incident_id=incident_id,
            kind="rollback",
            model="cv-detector",
            backend="mlflow",
            status="succeeded",
            requested_by="U0004",
            confirmed_by="U0004",
            requested_at=declared,
            finished_at=declared + timedelta(minutes=10),
            version_before="2.0.0",
            version_after="1.8.2",
            params={"summary": "cv-detector rolled back 2.0.0 → 1.8.2"},
        )
        session.add(action)
        await session.flush()
        session.add(
            TimelineEvent(
                incident_id=incident_id,
                actor="sevbot",
                kind="verification",
                at=declared + timedelta(minutes=40),
                data={"after_action": action.id, "verdicts": [{"verdict": "recovered", "metric": "map"}]},
            )
        )


async def _catchup(bot: Bot, channel_id: str) -> str:
    """`/incident catchup` as bob reads it (names, not IDs)."""
    reply = await bot.driver.slash("U0002", channel_id, "catchup")
    return named(bot.ws, str((reply.json or {}).get("text") or ""))


async def _past_incident(bot: Bot, clock: ManualClock) -> None:
    _, channel = await declare(bot, "declare sev2 cv-detector mAP drop on cams 23-28 after the LED retrofit in hall B")
    await bot.driver.slash("U0003", channel.id, "note rca new LED lighting overexposes the frames")
    await bot.driver.slash("U0003", channel.id, "action add a brightness check to the camera install runbook")
    await _contained(bot, 1, clock)
    clock.advance(timedelta(minutes=50))
    await bot.driver.slash("U0001", channel.id, "resolve exposure recalibrated after the rollback")
    await bot.settled()


async def test_the_card_remembers_the_past_incident_and_the_recurrence_is_said(bot: Bot, clock: ManualClock) -> None:
    await _past_incident(bot, clock)
    clock.advance(timedelta(days=21))
    await declare(bot, "declare sev3 ranker CTR down in Brazil after the market launch")  # nothing alike
    _, channel = await declare(bot, "declare sev2 cv-detector mAP below SLO on cams 26-29, new LED panels overexposed")
    card = card_text(bot, channel.id)
    assert "Seen before* (1 alike)" in card
    assert (
        "INC-1*, 3 weeks before (#inc-20261102-1-map-drop-on-cams-23-28-after-the-led-retrofit-in-hall-b): "
        "rolled back 2.0.0 → 1.8.2, recovered in 40 min; cause: new LED lighting overexposes the frames; "
        "1 action item still open" in card
    )
    assert "INC-2" not in card  # the ranker incident is not alike

    await bot.driver.slash("U0001", channel.id, "note rca new LED panels overexpose cams 26-29 again")
    await bot.driver.slash("U0001", channel.id, "resolve recalibrated exposure")
    await bot.settled()
    said = bot.seen(channel.id)
    (recurs,) = [m for m in said if "The same cause as INC-1" in m]
    assert "its action item _add a brightness check to the camera install runbook_ is still open" in recurs
    await bot.driver.slash("U0001", channel.id, "postmortem")
    await bot.settled()
    (postmortem,) = [f for f in bot.ws.files.values() if f["name"] == "INC-3-postmortem.md"]
    assert (
        "**Recurrence:** the same cause as INC-1 (new LED lighting overexposes the frames)"
        in postmortem["content"].decode()
    )


async def test_a_done_action_item_is_no_recurrence(bot: Bot, clock: ManualClock) -> None:
    await _past_incident(bot, clock)
    first = bot.incident_channels()[0]
    reply = await bot.driver.slash("U0003", first.id, "action 2 done")
    assert "INC-1 has action items 1 to 1; there is no 2." in reply.ephemeral_text
    await bot.driver.slash("U0003", first.id, "action 1 done")  # after the resolve: still its channel
    reply = await bot.driver.slash("U0003", first.id, "action 1 done")
    assert "Action item 1 of INC-1 is already done." in reply.ephemeral_text
    clock.advance(timedelta(days=3))
    _, channel = await declare(bot, "declare sev2 cv-detector mAP below SLO on cams 24-27, LED glare overexposed")
    assert "1 action item still open" not in card_text(bot, channel.id)
    await bot.driver.slash("U0001", channel.id, "resolve recalibrated")
    await bot.settled()
    assert not [m for m in bot.seen(channel.id) if "The same cause as" in m]


async def test_more_like_this_lists_them_all(bot: Bot, clock: ManualClock) -> None:
    for n in range(3):
        _, channel = await declare(
            bot, f"declare sev2 cv-detector mAP drop on cams 23-28 after the LED retrofit, try {n}"
        )
        await bot.driver.slash("U0001", channel.id, "resolve recalibrated")
        clock.advance(timedelta(days=1))
    _, channel = await declare(bot, "declare sev2 cv-detector mAP drop on cams 23-28, LED retrofit again")
    card = channel.message(channel.pins[0])
    await bot.driver.click("U0002", channel.id, card.ts, "similar_more")
    await bot.settled()
    (listed,) = [m for m in bot.seen(channel.id) if "Past incidents like INC-4" in m]
    assert "1. *INC-3*, 1 day before" in listed and "2. *INC-2*, 2 days before" in listed
    assert "3. *INC-1*, 3 days before" in listed and "nothing contained _(same model)_" in listed


async def test_catchup_in_each_phase_and_offered_once_to_a_late_joiner(bot: Bot, clock: ManualClock) -> None:
    _, channel = await declare(bot)
    said = await _catchup(bot, channel.id)
    assert "SEV2 · INC-1 · mAP drop on cams 23-40* · investigating · open 0 s · `cv-detector`" in said
    assert "*Roles:* IC @alice · Ops @dave · ML owner @carol · Comms nobody yet" in said
    assert "*Contained:* nothing yet" in said and "*Last update:* none yet · next due 03:30 UTC" in said
    assert len(said.splitlines()) < 15

    await _contained(bot, 1, clock)
    clock.advance(timedelta(minutes=45))
    await bot.driver.slash("U0003", channel.id, "hypothesis LED retrofit changed exposure")
    await bot.driver.slash("U0003", channel.id, "hypothesis 1 confirmed exposure logs")
    await bot.driver.slash("U0003", channel.id, "hypothesis camera firmware push")
    await bot.driver.slash("U0001", channel.id, "update rolled back; mAP recovering")
    await bot.driver.slash("U0003", channel.id, "action brightness check in the install runbook <@U0003>")
    said = await _catchup(bot, channel.id)
    assert "*Contained:* cv-detector rolled back 2.0.0 → 1.8.2 at 03:10 UTC by @dave" in said
    assert "*Verified* 03:40 UTC: recovered" in said
    assert "*Hypotheses:* 2. camera firmware push (open) · 1. LED retrofit changed exposure (confirmed)" in said
    assert "*Last update:* 03:45 UTC by @alice: rolled back; mAP recovering · next due 04:15 UTC" in said
    assert "*Action items:* 1. brightness check in the install runbook (@carol)" in said
    assert len(said.splitlines()) < 15

    await bot.driver.join("U0005", channel.id)  # 45 minutes in: late
    await bot.driver.join("U0005", channel.id)  # left and came back: not offered again
    await bot.settled()
    offered = [m for m in channel.messages if m.ephemeral_to == "U0005" and "Welcome to INC-1" in m.text]
    assert len(offered) == 1 and "*Verified* 03:40 UTC: recovered" in offered[0].text
    assert not [m for m in channel.messages if m.ephemeral_to == "U0001" and "Welcome" in m.text]

    await bot.driver.slash("U0001", channel.id, "resolve recalibrated")
    said = await _catchup(bot, channel.id)
    assert "· resolved ·" in said and "next due" not in said
    reply = await bot.driver.slash("U0002", bot.channel("general").id, "catchup")
    assert "works in an incident's channel" in reply.ephemeral_text


async def test_the_set_up_joins_are_not_late(bot: Bot) -> None:
    _, channel = await declare(bot)
    await bot.driver.join("U0004", channel.id)  # the set-up's invitation, as Slack reports it
    await bot.settled()
    assert not [m for m in channel.messages if m.ephemeral_to == "U0004" and "Welcome" in m.text]


async def test_an_alert_card_names_the_past_incident_alike_before_anyone_declares(
    clock: ManualClock, tmp_path: Path
) -> None:
    config = copy.deepcopy(CONFIG)
    config["severities"] = {"SEV2": {"auto_declare": False}}  # the card waits for a person
    async with running_on(clock, tmp_path, config=parse_config(config)) as bot:
        await _past_incident(bot, clock)
        clock.advance(timedelta(days=2))
        await post_alert(bot, "alertmanager", am_payload(am_alert("cam-1", 0.52, model="cv-detector")))
        await bot.settled()
        (card,) = [m for m in bot.seen(bot.channel("ml-alerts").id) if "cv-detector" in m]
        assert ":repeat: *Seen before:* *INC-1*, 2 days before (#inc-20261102-1-map-drop-on-cams-23-28" in card
        assert "rolled back 2.0.0 → 1.8.2, recovered in 40 min; cause: new LED lighting overexposes the frames" in card
