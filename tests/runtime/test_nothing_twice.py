"""Nothing lost and nothing twice when Slack misbehaves: a rate limit never counts toward giving up (eight 429s then
a 500 still open the channel), and when Slack acted but its answer was lost, the retry adopts what Slack did instead
of doing it again (every post carries its key in message metadata)."""

from __future__ import annotations

from collections import Counter

from bot.tryout.emulator.webhooks import am_alert, am_payload
from tests.harness import Bot, card_text, declare, eventually, post_alert, seen, timeline


def _keys(bot: Bot) -> Counter[tuple[str, str]]:
    """Every message sevbot posted, by channel and the key in its metadata."""
    found: Counter[tuple[str, str]] = Counter()
    for channel in bot.ws.channels.values():
        for message in channel.messages:
            key = ((message.metadata or {}).get("event_payload") or {}).get("key")
            if key:
                found[(channel.id, key)] += 1
    return found


def _twice(bot: Bot) -> list[tuple[str, str]]:
    return [key for key, n in _keys(bot).items() if n > 1]


async def test_eight_rate_limits_then_a_500_still_open_the_channel(bot: Bot) -> None:
    bot.emulator.fail("conversations.create", "ratelimited", times=8, retry_after=0)
    bot.emulator.fail("conversations.create", "server_error", times=1)
    reply, _ = await declare(bot)
    assert "Declared *INC-1*" in reply.ephemeral_text
    await eventually(lambda: bot.incident_channels() and bot.incident_channels()[0].pins, within=15)
    await bot.settled()
    (channel,) = bot.incident_channels()
    assert len(channel.pins) == 1
    assert "*SEV2 · INC-1 · mAP drop on cams 23-40*" in card_text(bot, channel.id)
    assert [c.error for c in bot.emulator.calls_to("conversations.create")][-2:] == ["server_error", None]
    assert len(seen(bot, bot.channel("incidents").id)) == 1  # announced, once


async def test_lost_answers_never_post_twice(bot: Bot) -> None:
    """Slack applies the call and the answer is lost, for a share of every method that changes something: declares,
    alert cards, updates and the resolution all end complete, each message once."""
    for method in ("chat.postMessage", "conversations.create", "pins.add", "chat.update", "conversations.setTopic"):
        bot.emulator.fail(method, "lost", times=1000, chance=0.3, seed=len(method))
    for n in range(4):
        await declare(bot, f"declare sev2 mAP drop {n}")
    await post_alert(bot, "alertmanager", am_payload(am_alert("cam-1", 0.40, model="ranker")))
    await bot.settled()
    for channel in bot.incident_channels():
        await bot.driver.slash("U0005", channel.id, "update rolled back, watching the cameras")
        await bot.driver.slash("U0005", channel.id, "resolve Exposure preset restored")
    await bot.settled(within=60)  # a row whose answers are lost several times running waits 1 + 2 + 4 + 8… s
    lost = [c for c in bot.emulator.calls if c.error == "lost"]
    assert len(lost) >= 5, "the fault was not exercised"
    channels = bot.incident_channels()
    assert len(channels) == 5  # one channel per incident (four declared, one from ranker's alert), lost answers or not
    for channel in channels:
        assert len(channel.pins) == 1, channel.name
        assert sum(1 for m in channel.messages if "rolled back, watching the cameras" in m.text) == 1
    assert _twice(bot) == []
    announcements = seen(bot, bot.channel("incidents").id)
    assert sum("Declared" in m or "declared" in m for m in announcements) >= 4
    assert len({m for m in announcements}) == len(announcements)  # no announcement twice


async def test_a_channel_slack_refuses_for_good_is_told_to_whoever_declared(bot: Bot) -> None:
    bot.emulator.fail("conversations.create", "restricted_action", times=1)
    reply, _ = await declare(bot)
    assert "Declared *INC-1*" in reply.ephemeral_text
    await bot.settled()
    assert bot.incident_channels() == []
    dms = [c for c in bot.ws.channels.values() if c.is_im and "U0001" in c.members]
    said = [m.text for c in dms for m in c.messages]
    assert any("INC-1" in m and "Slack refused to open its channel: Slack said restricted_action" in m for m in said)
    kinds = [kind for _, _, kind, _ in await timeline(bot)]
    assert "slack_refused" in kinds
    async with bot.driver.http.get(bot.url + "/metrics") as r:
        assert 'sevbot_outbox_set_aside_total{kind="open_channel"} 1.0' in await r.text()


async def test_random_429s_and_500s_lose_no_incident(bot: Bot) -> None:
    """Under random rate limits and server errors on every method, no row is given up: every incident ends with its
    channel, its pinned card and its announcement, each once."""
    # budgets the first burst drains: what is left after it is backoff on one row, which luck can stretch past any bound
    bot.emulator.fail("*", "ratelimited", times=20, chance=0.3, retry_after=0, seed=1)
    bot.emulator.fail("*", "server_error", times=20, chance=0.3, seed=2)
    for n in range(10):
        await bot.driver.slash("U0004", bot.channel("general").id, f"declare sev2 storm case {n}")

    def complete() -> bool:
        channels = bot.incident_channels()
        return len(channels) == 10 and all(len(c.pins) == 1 for c in channels)

    await eventually(complete, within=90)
    await bot.settled(within=90)
    failed = [c for c in bot.emulator.calls if c.error in ("ratelimited", "server_error")]
    assert len(failed) >= 20, "the faults were not exercised"
    assert len(seen(bot, bot.channel("incidents").id)) == 10
    assert _twice(bot) == []


async def test_a_lost_answer_to_a_direct_message_sends_it_once(bot: Bot) -> None:
    bot.emulator.fail("conversations.create", "restricted_action", times=1)
    bot.emulator.fail("chat.postMessage", "lost", times=1, where={"channel": "U0001"})  # sent, answer lost
    await declare(bot)
    await bot.settled()
    assert [c.error for c in bot.emulator.calls_to("chat.postMessage") if c.args.get("channel") == "U0001"] == ["lost"]
    (dm,) = [c for c in bot.ws.channels.values() if c.is_im and "U0001" in c.members]
    assert len(dm.messages) == 1 and "Slack refused to open its channel" in dm.messages[0].text


async def test_a_lost_answer_to_a_file_upload_shares_it_once(bot: Bot) -> None:
    await bot.driver.slash("U0002", bot.channel("general").id, "declare sev2 ranker CTR down in eu-west")
    await bot.settled()
    channel = bot.incident_channels()[0].id
    await bot.driver.slash("U0002", channel, "resolve stale features replaced")
    await bot.settled()
    bot.emulator.fail("files.completeUploadExternal", "lost", times=1)  # shared in the channel; the answer lost
    await bot.driver.slash("U0002", channel, "postmortem")
    await bot.settled()
    assert [c.error for c in bot.emulator.calls_to("files.completeUploadExternal")] == ["lost"]
    shared = [f["name"] for m in bot.ws.channels[channel].messages for f in m.files]
    assert shared == ["INC-1-postmortem.md"]  # the retry found it and went on to the summary
    assert sum("*Postmortem draft for INC-1*" in text for text in bot.seen(channel)) == 1
