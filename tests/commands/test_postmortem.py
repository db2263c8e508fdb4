"""`/incident action`, the "Add to timeline" message shortcut and `/incident postmortem`: the Markdown file in the
channel carries the notes, the action items with owners and the times; a team's own template wins."""

from __future__ import annotations

import copy
from pathlib import Path

from bot.config import parse_config
from bot.tryout.emulator import render_message
from bot.tryout.emulator.state import Message
from tests.harness import CONFIG, Bot, eventually, running_bot, timeline


def _uploaded(bot: Bot, channel: str) -> str:
    (message,) = [m for m in bot.ws.channels[channel].messages if m.files]
    return bytes(bot.ws.files[message.files[0]["id"]]["content"]).decode()


async def _incident(bot: Bot) -> str:
    await bot.driver.slash("U0002", bot.channel("general").id, "declare sev2 ranker CTR down in eu-west")
    await bot.settled()
    return bot.incident_channels()[0].id


async def test_notes_shortcut_action_items_and_the_postmortem(bot: Bot) -> None:
    channel = await _incident(bot)
    bot.ws.channels[channel].members.append("U0003")  # carol joins the channel and says something
    said = bot.ws.post_as("U0003", channel, "feature store lag was 40 min in eu-west at 02:10 & rising")
    reply = await bot.driver.message_shortcut("U0002", channel, said, "add_to_timeline")
    assert reply.status == 200
    await bot.driver.slash("U0003", channel, "note rca the eu-west feature pipeline silently fell back to stale data")
    await bot.driver.slash("U0002", channel, "action alert on feature freshness per region <@U0003|carol>")
    reply = await bot.driver.slash("U0002", channel, "action")
    assert "Say what should be done." in reply.ephemeral_text and "action <text> [@owner]" in reply.ephemeral_text
    reply = await bot.driver.slash("U0002", channel, "action " + "x" * 1001)
    assert "The action item is 1,001 characters long; the most is 1,000." in reply.ephemeral_text
    await bot.driver.slash("U0003", channel, "note p99 | p50 both up\nsee <!channel> thread")
    await bot.settled()
    posted = "\n".join(bot.seen(channel))
    assert "Note from @bob (a message by @carol, added to the timeline): feature store lag" in posted
    item = ":ballot_box_with_check: Action item from @bob: alert on feature freshness per region — owner @carol"
    assert item in posted
    notes = [d for _, _, kind, d in await timeline(bot) if kind == "note"]
    assert notes[0]["from_message"] == {"author": "U0003", "ts": said}

    await bot.driver.slash("U0002", channel, "resolve stale features replaced; CTR back")
    await bot.settled()
    reply = await bot.driver.slash("U0002", channel, "postmortem")
    assert "Drafting the postmortem" in reply.ephemeral_text
    await bot.settled()
    document = _uploaded(bot, channel)
    assert document.startswith("# Postmortem: INC-1 — CTR down in eu-west\n")
    assert "| Resolved | " in document and " | resolve: " in document and "| Contained | — | contain: — |" in document
    assert "No containment was run through sevbot." in document  # the summary says so rather than inventing one
    # plain text: `&`, not `&amp;`
    assert "Note (a message by @carol): feature store lag was 40 min in eu-west at 02:10 & rising" in document
    assert "- the eu-west feature pipeline silently fell back to stale data (@carol, " in document
    assert "| Note: p99 \\| p50 both up see @channel thread |" in document  # one table cell, nobody pinged
    assert "- [ ] alert on feature freshness per region — owner @carol" in document
    summary = bot.seen(channel)[-1]
    assert "*Postmortem draft for INC-1* (asked by @bob)" in summary
    assert "1 root-cause note, 1 action item" in summary


async def test_the_resolution_offers_the_postmortem_and_a_teams_template_wins(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "postmortem.md.j2").write_text("# Our format: INC-{{ i.id }} ({{ pm.rows | length }} rows)\n")
    config = copy.deepcopy(CONFIG)
    config["templates_dir"] = str(folder)
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config)) as bot:
        channel = await _incident(bot)
        await bot.driver.slash("U0002", channel, "resolve false alarm: the dashboard's query was wrong")
        await bot.settled()
        notice = bot.ws.channels[channel].messages[-1]
        assert "[Write the postmortem]" in bot.seen(channel)[-1]
        await bot.driver.click("U0002", channel, notice.ts, "incident_postmortem")
        await bot.settled()
        assert _uploaded(bot, channel) == "# Our format: INC-1 (4 rows)\n"
        shown = render_message(bot.ws, notice)  # the notice now says a draft is up, and offers a redraft
        assert "Postmortem draft uploaded" in shown and "(asked by @bob)" in shown
        assert "[Redraft the postmortem]" in shown and "*INC-1 resolved*" in shown


async def test_a_postmortem_button_for_an_unknown_incident_says_so(bot: Bot) -> None:
    channel = await _incident(bot)
    await bot.driver.slash("U0002", channel, "resolve false alarm")
    await bot.settled()
    notice = bot.ws.channels[channel].messages[-1]
    (button,) = [e for b in notice.blocks for e in b.get("elements", []) if e.get("action_id") == "incident_postmortem"]
    button["value"] = "999"  # a button from a workspace whose database was reset
    await bot.driver.click("U0002", channel, notice.ts, "incident_postmortem")
    await bot.settled()
    await eventually(lambda: any("no longer exists" in m.text for m in bot.ws.channels[channel].messages))
    (error,) = [m for m in bot.ws.channels[channel].messages if "no longer exists" in m.text]
    assert error.ephemeral_to == "U0002" and not any(m.files for m in bot.ws.channels[channel].messages)


async def test_an_integrations_message_is_added_under_its_name_and_pings_nobody(bot: Bot) -> None:
    channel = await _incident(bot)
    webhook = Message(ts=bot.ws._ts(), user="", username="Grafana <!channel>", text="CTR eu-west 0.8% <!here>")
    bot.ws.channels[channel].messages.append(webhook)  # posted by an incoming webhook: no user
    await bot.driver.message_shortcut("U0002", channel, webhook.ts, "add_to_timeline")
    await bot.settled()
    note = bot.ws.channels[channel].messages[-1]
    assert "<!channel>" not in note.text and "<!here>" not in note.text
    assert "(a message by Grafana &lt;!channel&gt;, added to the timeline)" in note.text
    await bot.driver.slash("U0002", channel, "postmortem")
    await bot.settled()
    document = _uploaded(bot, channel)
    assert "| Note (a message by Grafana @channel): CTR eu-west 0.8% @here |" in document


async def test_a_failed_summary_is_retried_without_uploading_the_postmortem_twice(bot: Bot) -> None:
    channel = await _incident(bot)
    await bot.driver.slash("U0002", channel, "resolve stale features replaced")
    await bot.settled()
    bot.emulator.fail("chat.postMessage", "fatal_error")  # the summary, after the file went up
    await bot.driver.slash("U0002", channel, "postmortem")
    await bot.settled()
    assert [c.error for c in bot.emulator.calls_to("chat.postMessage", ok=False)].count("fatal_error") == 1
    files = [m for m in bot.ws.channels[channel].messages if m.files]
    assert len(files) == 1  # the retry repeated the summary only
    assert sum("*Postmortem draft for INC-1*" in text for text in bot.seen(channel)) == 1
