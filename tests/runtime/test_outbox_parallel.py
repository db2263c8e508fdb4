"""The Slack side under pressure: incidents worked in parallel, each in order; Slack's rate limits honoured per
method without stalling the rest; permanent refusals set aside at once; a pin that fails is retried until pinned."""

from __future__ import annotations

import asyncio
import time

from bot.tryout.emulator import render_message
from tests.harness import Bot


async def _declare_many(bot: Bot, count: int, model: str = "") -> None:
    """`count` incidents at once (no model: one model's second incident would be asked about first)."""
    general = bot.channel("general").id
    replies = await asyncio.gather(
        *(bot.driver.slash("U0004", general, f"declare sev2 {model} mAP down on site {n}") for n in range(count))
    )
    assert all(r.status == 200 for r in replies)


def _complete(bot: Bot, count: int) -> bool:
    channels = bot.incident_channels()
    announced = bot.channel("incidents").messages
    assert len(announced) == count, [m.text for m in announced]
    return len(channels) == count and all(len(c.pins) == 1 and c.topic for c in channels)


async def test_ten_incidents_under_a_429_burst_all_complete_nothing_twice(bot: Bot) -> None:
    for method in ("conversations.create", "conversations.invite", "chat.postMessage", "pins.add"):
        bot.emulator.fail(method, "ratelimited", times=2, retry_after=1)
    started = time.perf_counter()
    await _declare_many(bot, 10)
    await bot.settled(within=30)
    took = time.perf_counter() - started
    assert _complete(bot, 10), [(c.name, len(c.pins), c.topic) for c in bot.incident_channels()] + [
        m.text[:40] for m in bot.channel("incidents").messages
    ]
    assert took < 10, took  # the limits cost about their Retry-After, once, not once per incident in a queue
    for channel in bot.incident_channels():
        cards = [m for m in channel.messages if "INC-" in render_message(bot.ws, m) and m.blocks]
        assert len(channel.pins) == 1 and len(cards) == 1, [m.text for m in channel.messages]
    names = [c.name for c in bot.incident_channels()]
    assert len(names) == len(set(names)) == 10


async def test_a_permanently_refused_bookmark_does_not_delay_the_rest(bot: Bot) -> None:
    bot.emulator.fail("bookmarks.add", "restricted_action", times=100)
    started = time.perf_counter()
    await _declare_many(bot, 1, "cv-detector")  # its runbook and dashboard are bookmarked
    await bot.settled(within=10)
    assert time.perf_counter() - started < 3
    (channel,) = bot.incident_channels()
    assert _complete(bot, 1)
    said = "\n".join(bot.seen(channel.id))
    assert "I could not add the runbook and dashboard bookmarks: Slack said restricted_action" in said, said
    assert len(bot.emulator.calls_to("bookmarks.add")) == 2  # runbook and dashboard, refused for good: not retried
    async with bot.driver.http.get(bot.url + "/metrics") as r:
        assert 'sevbot_outbox_set_aside_total{kind="bookmarks"} 1.0' in await r.text()


async def test_a_pin_that_fails_three_times_still_ends_pinned(bot: Bot) -> None:
    bot.emulator.fail("pins.add", "server_error", times=3)
    await _declare_many(bot, 1)
    await bot.settled(within=30)
    (channel,) = bot.incident_channels()
    assert len(channel.pins) == 1
    cards = [m for m in channel.messages if m.blocks and "INC-1" in render_message(bot.ws, m)]
    assert len(cards) == 1  # retried: pinned, not posted again


async def test_each_incident_keeps_its_order_under_parallel_work(bot: Bot) -> None:
    bot.emulator.latency_s = 0.02
    await _declare_many(bot, 6)
    general = bot.channel("general").id
    await bot.settled(within=30)
    for channel in bot.incident_channels():  # an update on each: its edits never land before the card's post
        await bot.driver.slash("U0004", channel.id, f"update looking at {channel.name}")
    await bot.driver.slash("U0004", general, "list")
    await bot.settled(within=30)
    for channel in bot.incident_channels():
        posts = [c for c in bot.emulator.calls if c.args.get("channel") == channel.id]
        first_post = next(i for i, c in enumerate(posts) if c.method == "chat.postMessage")
        updates = [i for i, c in enumerate(posts) if c.method == "chat.update"]
        assert all(i > first_post for i in updates), [c.method for c in posts]
        assert any("looking at" in m.text for m in channel.messages)
