"""Declaring from Slack: the channel, its members, topic, pinned card, bookmarks and the announcement."""

from __future__ import annotations

from tests.harness import Bot, card_text, declare, opened_view, seen, timeline


async def test_declare_opens_channel_with_roles_card_and_announcement(bot: Bot) -> None:
    reply, channel = await declare(bot)

    assert "Declared *INC-1* (SEV2)" in reply.ephemeral_text
    assert channel.name.startswith("inc-") and channel.name.endswith("-1-map-drop-on-cams-23-40")
    assert len(channel.name.split("-")[1]) == 8  # yyyymmdd
    names = {bot.ws.users[m].name for m in channel.members}
    assert names == {"sevbot", "alice", "carol", "dave"}  # declarer, owner, on-call
    assert channel.topic.startswith("SEV2 · investigating · IC <@U0001> · next update ")
    card = card_text(bot, channel.id)
    assert "*SEV2 · INC-1 · mAP drop on cams 23-40*" in card
    assert "*Commander:* @alice" in card and "*Ops:* @dave" in card and "*ML owner:* @carol" in card
    assert "`cv-detector` (fallback `cv-detector-lite`)" in card
    assert "[I'll be commander] [Post update] [Resolve]" in card  # declaring is acknowledging
    assert [b["title"] for b in channel.bookmarks] == ["Runbook", "Dashboard"]
    announcement = seen(bot, bot.channel("incidents").id)
    assert len(announcement) == 1
    assert f"SEV2 declared: mAP drop on cams 23-40* — join #{channel.name}" in announcement[0]
    kinds = [kind for _, _, kind, _ in await timeline(bot)]
    assert kinds == ["declared", "role_assigned", "role_assigned", "role_assigned"]


async def test_declare_without_model_and_from_the_form(bot: Bot) -> None:
    reply = await bot.driver.slash("U0002", bot.channel("general").id, "declare")
    assert reply.status == 200 and reply.text == ""
    view_id = await opened_view(bot, "Declare an incident")

    refused = await bot.driver.submit("U0002", view_id, {"severity": "SEV3", "title": "   "})
    assert refused.json == {
        "response_action": "errors",
        "errors": {"title_block": "Say what is wrong, in a few words."},
    }
    assert await timeline(bot) == []

    accepted = await bot.driver.submit(
        "U0002",
        view_id,
        {"severity": "SEV3", "model": "ranker", "title": "Ranker CTR <!channel> down", "description": "since 09:00"},
    )
    assert accepted.status == 200 and accepted.text == ""
    await bot.settled()
    (channel,) = bot.incident_channels()
    assert channel.name.endswith("-1-ranker-ctr-down")
    card = card_text(bot, channel.id)
    assert "SEV3 · INC-1 · Ranker CTR &lt;!channel&gt; down" in "".join(
        m.blocks[0]["text"]["text"] for m in channel.messages if m.blocks
    )
    assert "@bob" in card and "since 09:00" in card


async def test_declare_with_bad_arguments_changes_nothing(bot: Bot) -> None:
    general = bot.channel("general").id
    cases = {
        "declare sev9 cv-detector broken": "`sev9` is not a severity",
        "declare sev2": "A title is needed",
        "declare sev2 cv-detector": "A title is needed",
        "explode now": "`explode` is not an /incident command. Try `/incident help`.",
        "rolback cv-detector": "`rolback` is not an /incident command: did you mean `rollback`?",
    }
    for text, expected in cases.items():
        reply = await bot.driver.slash("U0001", general, text)
        assert reply.status == 200
        assert expected in reply.ephemeral_text, (text, reply.text)
        assert reply.json["response_type"] == "ephemeral"
    usage = (await bot.driver.slash("U0001", general, "declare sev2")).ephemeral_text
    assert "Usage: `/incident declare <sev1|sev2|sev3|sev4> [model] <title>`" in usage
    await bot.settled()
    assert await timeline(bot) == []
    assert bot.incident_channels() == []
    assert bot.emulator.calls_to("conversations.create") == []


async def test_an_unknown_model_word_is_part_of_the_title(bot: Bot) -> None:
    _, channel = await declare(bot, "declare sev4 nightly batch job slow")
    assert channel.name.endswith("-1-nightly-batch-job-slow")
    assert {bot.ws.users[m].name for m in channel.members} == {"sevbot", "alice"}


async def test_second_incident_of_the_day_and_a_taken_name(bot: Bot) -> None:
    await declare(bot, "declare sev3 first thing")
    # Someone made the channel the next incident would get; the bot moves on to the next number.
    from bot.incidents.naming import channel_name

    now = bot.services.clock.now()
    squatted = channel_name(prefix="inc", day=now, seq=2, title="second thing")
    bot.ws.add_channel(squatted, members=["U0002"], creator="U0002")
    _, channel = await declare(bot, "declare sev3 second thing")
    assert channel.name == channel_name(prefix="inc", day=now, seq=3, title="second thing")
    assert bot.ws.channel_named(squatted).members == ["U0002"]  # left alone
    assert len(bot.emulator.calls_to("conversations.create", ok=True)) == 2


async def test_help_and_list(bot: Bot) -> None:
    general = bot.channel("general").id
    help_text = (await bot.driver.slash("U0001", general, "help")).ephemeral_text
    for usage in (
        "declare <sev1|sev2|sev3|sev4> [model] <title>",
        "role <commander|ops|ml-owner|comms> <@person>",
        "ack",
        "update <what changed>",
        "resolve <summary>",
        "list",
    ):
        assert f"`/incident {usage}`" in help_text
    assert (await bot.driver.slash("U0001", general, "")).ephemeral_text == help_text
    assert "No open incidents" in (await bot.driver.slash("U0001", general, "list")).ephemeral_text
    _, channel = await declare(bot)
    listing = (await bot.driver.slash("U0002", general, "list")).ephemeral_text
    assert "*Open incidents (1)*" in listing and f"#{channel.id}" in listing and "IC @U0001" in listing


async def test_acks_do_not_wait_for_slack(bot: Bot) -> None:
    """The form opens after the ack: with Slack slow to answer, the command and the card's button are acked before
    `views.open` has been answered, and the form still opens."""
    _, channel = await declare(bot)
    card = bot.ws.channels[channel.id].message(bot.ws.channels[channel.id].pins[0])
    bot.emulator.latency_s = 0.5

    reply = await bot.driver.slash("U0002", bot.channel("general").id, "declare")
    assert reply.status == 200 and reply.text == ""
    assert bot.emulator.calls_to("views.open") == []
    await opened_view(bot, "Declare an incident")

    clicked = await bot.driver.click("U0001", channel.id, card.ts, "incident_post_update")
    assert clicked.status == 200
    assert len(bot.emulator.calls_to("views.open")) == 1
    await opened_view(bot, "Post an update")
    await bot.settled()
