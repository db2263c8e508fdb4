"""Slack failing the way production Slack fails: the incident is recorded first, Slack catches up, once."""

from __future__ import annotations

import json

from bot.runtime.server import ServerOptions
from bot.tryout.emulator import SlackEmulator
from tests.harness import Bot, card_text, declare, make_emulator, running_bot, seen, timeline


async def test_declare_while_slack_rate_limits_twice_makes_one_channel(bot: Bot) -> None:
    bot.emulator.fail("conversations.create", "ratelimited", times=2, retry_after=1)
    reply, channel = await declare(bot)
    assert "Declared *INC-1*" in reply.ephemeral_text
    assert len(bot.incident_channels()) == 1
    assert [c.error for c in bot.emulator.calls_to("conversations.create")] == ["ratelimited", "ratelimited", None]
    assert "*SEV2 · INC-1 · mAP drop on cams 23-40*" in card_text(bot, channel.id)


async def test_slack_500s_delay_messages_but_lose_none(bot: Bot) -> None:
    bot.emulator.fail("chat.postMessage", "server_error", times=4)  # more than the client's own retries
    _, channel = await declare(bot)
    assert len(channel.pins) == 1
    assert len([m for m in channel.messages if m.blocks]) == 1  # one card, not one per retry
    assert len(seen(bot, bot.channel("incidents").id)) == 1


async def test_every_ack_is_fast_even_when_slack_is_down(bot: Bot) -> None:
    bot.emulator.fail("*", "server_error", times=10_000)
    reply = await bot.driver.slash("U0001", bot.channel("general").id, "declare sev1 cv-detector total outage")
    assert "Declared *INC-1* (SEV1)" in reply.ephemeral_text
    assert next(kind for _, _, kind, _ in await timeline(bot)) == "declared"
    assert bot.incident_channels() == []


async def test_restart_resumes_a_half_told_incident(sqlite_url: str) -> None:
    emulator = make_emulator()
    await emulator.start()
    try:
        async with running_bot(sqlite_url, emulator=emulator, options=ServerOptions(dispatch=False)) as first:
            await first.driver.slash("U0001", first.channel("general").id, "declare sev2 cv-detector cams dark")
            assert first.incident_channels() == []  # the process dies before telling Slack anything
        async with running_bot(sqlite_url, emulator=emulator, options=ServerOptions(poll_s=0.05)) as second:
            await second.settled()
            (channel,) = second.incident_channels()
            assert "cams dark" in card_text(second, channel.id)
            assert len(seen(second, second.channel("incidents").id)) == 1
    finally:
        await emulator.stop()


async def test_a_channel_created_before_a_crash_is_adopted_not_duplicated(sqlite_url: str) -> None:
    """conversations.create succeeded but the answer was lost (crash, timeout): the retry finds our channel."""
    emulator = SlackEmulator(bot_token="xoxb-test-token")
    await emulator.start()
    fresh = make_emulator()
    fresh.workspace = emulator.workspace
    for user_id, user in make_emulator().workspace.users.items():
        emulator.workspace.users[user_id] = user
    for name in ("general", "incidents", "ml-alerts"):
        emulator.workspace.add_channel(name, members=list(emulator.workspace.users))
    try:
        async with running_bot(sqlite_url, emulator=emulator, options=ServerOptions(dispatch=False)) as first:
            await first.driver.slash("U0001", first.channel("general").id, "declare sev3 drift on region eu")
            from bot.incidents.naming import channel_name

            name = channel_name(prefix="inc", day=first.services.clock.now(), seq=1, title="drift on region eu")
            emulator.workspace.conversations_create(emulator.workspace.bot.id, {"name": name})
        async with running_bot(sqlite_url, emulator=emulator, options=ServerOptions(poll_s=0.05)) as second:
            await second.settled()
            (channel,) = second.incident_channels()
            assert channel.name == name
            assert "drift on region eu" in card_text(second, channel.id)
    finally:
        await emulator.stop()


async def test_alert_like_text_pings_nobody(bot: Bot) -> None:
    _, channel = await declare(bot, "declare sev2 cv-detector <!channel> cams &amp; lights <!here|here> <@U0002|bob>")
    await bot.driver.slash("U0001", channel.id, "note <!everyone> look at <https://grafana.example/d/x|this>")
    await bot.settled()
    for chan in (channel, bot.channel("incidents")):
        for message in chan.messages:
            raw = message.text + json.dumps(message.blocks)
            assert "<!channel>" not in raw and "<!here" not in raw and "<!everyone>" not in raw
    assert "@channel cams &amp; lights @here <@U0002|bob>" in json.dumps(channel.message(channel.pins[0]).blocks)
    assert "<https://grafana.example/d/x|this>" in channel.messages[-1].blocks[0]["text"]["text"]


async def test_bookmarks_are_looked_up_only_where_some_may_be_there_already(bot: Bot) -> None:
    """A channel just created has no bookmarks, so none are listed; a retry after a partial failure lists them and
    adds only what is missing."""
    bot.emulator.fail("bookmarks.add", "ratelimited", times=1, retry_after=1)
    _, first = await declare(bot)
    assert sorted(b["title"] for b in first.bookmarks) == ["Dashboard", "Runbook"]  # each once
    assert len(bot.emulator.calls_to("bookmarks.list")) == 1  # the retry looked

    await bot.driver.slash("U0001", first.id, "resolve cameras back")  # the model's next incident, not a second one
    _, second = await declare(bot, "declare sev3 cv-detector second look")
    assert second.id != first.id
    assert sorted(b["title"] for b in second.bookmarks) == ["Dashboard", "Runbook"]
    assert len(bot.emulator.calls_to("bookmarks.list")) == 1  # a channel just created: nothing to look up
