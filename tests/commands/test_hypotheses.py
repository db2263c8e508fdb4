"""Hypotheses tried (`/incident hypothesis`), the severity's reason, and the update form's drafted checklist: what the
channel, the card and the form show, and what is refused."""

from __future__ import annotations

from bot.incidents.timeline import EventKind, record
from tests.harness import Bot, card_text, declare, timeline


async def test_propose_settle_and_the_card_lists_the_open_ones(bot: Bot) -> None:
    _, channel = await declare(bot, user="U0002")
    assert channel is not None
    await bot.driver.slash("U0002", channel.id, "hypothesis the feature store is serving stale embeddings")
    await bot.driver.slash("U0003", channel.id, "hypothesis night IR frames missing from the training set")
    await bot.settled()
    card = card_text(bot, channel.id)
    assert "*Open hypotheses:* 1. the feature store is serving stale embeddings · 2. night IR frames" in card

    await bot.driver.slash("U0002", channel.id, "hypothesis 1 ruled-out freshness lag is under a minute")
    await bot.driver.slash("U0003", channel.id, "hypothesis 2 confirmed")
    await bot.settled()
    posted = "\n".join(bot.seen(channel.id))
    assert "Hypothesis 1 *ruled out* by @bob: the feature store is serving stale embeddings — freshness lag" in posted
    assert "Hypothesis 2 *confirmed* by @carol: night IR frames missing from the training set" in posted
    assert "Open hypotheses" not in card_text(bot, channel.id)  # none left open
    settled = [d for _, _, kind, d in await timeline(bot) if kind == "hypothesis_settled"]
    assert [(d["number"], d["outcome"]) for d in settled] == [(1, "ruled-out"), (2, "confirmed")]


async def test_wrong_hypothesis_commands_say_what_is_wrong_and_change_nothing(bot: Bot) -> None:
    _, channel = await declare(bot, user="U0002")
    assert channel is not None
    reply = await bot.driver.slash("U0002", channel.id, "hypothesis 1 confirmed")
    assert "has no hypotheses yet" in reply.ephemeral_text
    await bot.driver.slash("U0002", channel.id, "hypothesis a bad deploy")
    await bot.settled()
    before = await timeline(bot)
    for text, said in [
        ("hypothesis", "Say what the hypothesis is"),
        ("hypothesis 3 confirmed", "has hypotheses 1 to 1; there is no 3"),
        ("hypothesis 1 maybe", "Settle hypothesis 1 with `confirmed` or `ruled-out`, not `maybe`."),
        ("hypothesis " + "x" * 501, "The hypothesis is 501 characters long; the most is 500."),
    ]:
        reply = await bot.driver.slash("U0002", channel.id, text)
        assert said in reply.ephemeral_text, (text, reply.ephemeral_text)
    await bot.driver.slash("U0002", channel.id, "hypothesis 1 confirmed")
    await bot.settled()
    reply = await bot.driver.slash("U0002", channel.id, "hypothesis 1 confirmed")
    assert "Hypothesis 1 is already confirmed." in reply.ephemeral_text
    reply = await bot.driver.slash("U0002", bot.channel("general").id, "hypothesis not in an incident channel")
    assert reply.ephemeral_text  # said privately where it went wrong
    await bot.settled()
    assert len(await timeline(bot)) == len(before) + 1  # only the one confirmation


async def test_a_severity_change_carries_its_reason(bot: Bot) -> None:
    _, channel = await declare(bot, user="U0002")
    assert channel is not None
    await bot.driver.slash("U0002", channel.id, "severity sev1 half the cameras now, not a few")
    await bot.settled()
    assert any(
        "Severity changed from SEV2 to *SEV1* by @bob: half the cameras now, not a few." in m
        for m in bot.seen(channel.id)
    )


async def test_the_update_form_drafts_the_playbooks_checklist(bot: Bot) -> None:
    _, channel = await declare(bot, user="U0002")
    assert channel is not None
    await bot.driver.slash("U0002", channel.id, "hypothesis a bad deploy")
    await bot.driver.slash("U0002", channel.id, "hypothesis 1 confirmed 2.0.0 went live 15 min before")
    await bot.driver.slash("U0002", channel.id, "hypothesis camera firmware")
    await bot.settled()
    card = bot.ws.channels[channel.id].message(bot.ws.channels[channel.id].pins[0])
    await bot.driver.click("U0002", channel.id, card.ts, "incident_post_update")
    view_id = await bot.opened_view("Post an update")
    view = bot.ws.views[view_id]
    inputs = {b["element"]["action_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    drafted = inputs["text"]["initial_value"]
    assert (
        "Hypotheses tried: 1. a bad deploy — confirmed (2.0.0 went live 15 min before); 2. camera firmware — open."
        in (drafted)
    )
    assert "Verification: map ≥ 0.55 over 1 h." in drafted and drafted.endswith("What changed:")
    top = view["blocks"][0]["text"]["text"]
    assert top.startswith("*SEV2 · INC-1* — status investigating · owner <@U0002> · next update due ")
    assert "initial_value" not in inputs["mitigation"]  # nothing contained yet: nothing drafted


async def test_the_update_form_drafts_the_containment_run_as_the_mitigation(bot: Bot) -> None:
    _, channel = await declare(bot, user="U0002")
    assert channel is not None
    async with bot.services.db.session_scope() as session:  # as a confirmed rollback records it
        await record(
            session,
            incident_id=1,
            actor="U0004",
            kind=EventKind.ACTION,
            at=bot.services.clock.now(),
            action="rollback",
            model="cv-detector",
            status="succeeded",
            before="2.0.0",
            after="1.8.2",
        )
    card = bot.ws.channels[channel.id].message(bot.ws.channels[channel.id].pins[0])
    await bot.driver.click("U0002", channel.id, card.ts, "incident_post_update")
    view = bot.ws.views[await bot.opened_view("Post an update")]
    mitigation = next(b["element"] for b in view["blocks"] if b.get("block_id") == "mitigation_block")
    assert mitigation["initial_value"].startswith("rollback 2.0.0 → 1.8.2 at ")
    assert mitigation["initial_value"].endswith(" by @dave")
