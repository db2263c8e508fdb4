"""After the declaration: roles, acknowledgement, updates, notes, status, severity and resolution,
by command and by the card's buttons. The card and the topic change in place."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import utc
from tests.harness import Bot, card_text, declare, eventually, opened_view, seen, timeline


async def test_role_assignment_updates_card_in_place_and_invites(bot: Bot) -> None:
    _, channel = await declare(bot)
    card_ts = channel.pins[0]
    reply = await bot.driver.slash("U0001", channel.id, "role comms <@U0005|erin>")
    assert reply.status == 200 and reply.text == ""
    await bot.settled()
    assert "U0005" in channel.members
    assert channel.pins == [card_ts]  # same message, edited
    assert channel.message(card_ts).edited
    assert "*Comms:* @erin" in card_text(bot, channel.id)
    assert any("@erin is now *Comms* (set by @alice)" in m for m in seen(bot, channel.id))

    await bot.driver.slash("U0003", channel.id, "role commander <@U0002>")
    await bot.settled()
    assert channel.topic.startswith("SEV2 · investigating · IC <@U0002> · next update")
    assert "*Commander:* @bob" in card_text(bot, channel.id)
    role_events = [d for _, _, kind, d in await timeline(bot) if kind == "role_assigned"]
    assert role_events[-1] == {"role": "commander", "users": ["U0002"]}


async def test_bad_role_arguments_change_nothing(bot: Bot) -> None:
    _, channel = await declare(bot)
    before = await timeline(bot)
    for text, expected in {
        "role pilot <@U0002>": "`pilot` is not a role",
        "role commander bob": "`bob` is not a person",
        "role commander": "Name one role and one person",
        "role commander <@U0001>": "is already Commander",
    }.items():
        reply = await bot.driver.slash("U0002", channel.id, text)
        assert expected in reply.ephemeral_text, (text, reply.text)
        assert "Usage: `/incident role <commander|ops|ml-owner|comms> <@person>`" in reply.ephemeral_text
    await bot.settled()
    assert await timeline(bot) == before


async def test_commands_that_need_an_incident_say_so_elsewhere(bot: Bot) -> None:
    await declare(bot)
    for sub in ("ack", "update all good", "note x", "status", "severity sev1", "resolve done", "role ops <@U0002>"):
        reply = await bot.driver.slash("U0001", bot.channel("general").id, sub)
        assert "works in an incident's channel, and this is not one" in reply.ephemeral_text, sub


async def test_update_uses_the_communication_template_and_restarts_the_cadence(bot: Bot) -> None:
    _, channel = await declare(bot)
    await bot.driver.slash("U0001", channel.id, "update Rolled back to 1.8.2; mAP recovering on cams 23-40")
    await bot.settled()
    update = seen(bot, channel.id)[-1]
    assert "*Incident update*" in update
    assert "*[SEV2]* mAP drop on cams 23-40, detected at" in update
    assert "*Owner:* @alice" in update
    assert "*Status:* investigating — Rolled back to 1.8.2; mAP recovering on cams 23-40" in update
    assert "*Next update:* by" in update
    (event,) = [d for _, _, kind, d in await timeline(bot) if kind == "status_update"]
    due = utc(__import__("datetime").datetime.fromisoformat(event["next_update_at"]))
    assert timedelta(minutes=29) < due - bot.services.clock.now() <= timedelta(minutes=30)
    assert f"next update {due:%H:%M} UTC" in channel.topic


async def test_note_status_severity_and_resolve(bot: Bot) -> None:
    _, channel = await declare(bot)
    announcements = bot.channel("incidents").id

    await bot.driver.slash("U0003", channel.id, "note rca LED retrofit on cams 23-40 changed exposure")
    await bot.driver.slash("U0001", channel.id, "status identified")
    await bot.driver.slash("U0001", channel.id, "severity sev1")
    await bot.settled()
    messages = seen(bot, channel.id)
    assert any("*Root-cause note* from @carol: LED retrofit on cams 23-40 changed exposure" in m for m in messages)
    assert any("Status changed from investigating to *identified* by @alice" in m for m in messages)
    assert any("Severity changed from SEV2 to *SEV1* by @alice" in m for m in messages)
    assert channel.topic.startswith("SEV1 · identified · IC <@U0001> · next update")
    assert "*SEV1 · INC-1" in card_text(bot, channel.id)
    assert any("is now *SEV1*" in m for m in seen(bot, announcements))

    status = (await bot.driver.slash("U0002", channel.id, "status")).ephemeral_text
    assert "INC-1 · SEV1 · identified" in status and "Next update due" in status

    for text, expected in {
        "status resolved": "Use `/incident resolve <summary>`",
        "status sleeping": "Unknown status",
        "severity sev1": "already SEV1",
        "resolve": "needs a summary",
    }.items():
        assert expected in (await bot.driver.slash("U0001", channel.id, text)).ephemeral_text, text

    await bot.driver.slash("U0001", channel.id, "resolve Rolled back to 1.8.2; mAP 0.61 for 60 min")
    await bot.settled()
    resolution = seen(bot, channel.id)[-1]
    assert "*INC-1 resolved* by @alice" in resolution and "after it was declared" in resolution
    assert "*Summary:* Rolled back to 1.8.2; mAP 0.61 for 60 min" in resolution
    card = card_text(bot, channel.id)
    assert "Resolved" in card and "[Resolve]" not in card and "[Post update]" not in card
    assert channel.topic == "SEV1 · resolved · IC <@U0001>"
    assert "*Resolved: INC-1 mAP drop on cams 23-40*" in seen(bot, announcements)[-1]
    assert "already resolved" in (await bot.driver.slash("U0001", channel.id, "resolve again")).ephemeral_text
    kinds = [kind for _, _, kind, _ in await timeline(bot)]
    assert kinds[-4:] == ["note", "status_changed", "severity_changed", "resolved"]


async def test_card_buttons_and_forms(bot: Bot) -> None:
    _, channel = await declare(bot)
    card_ts = channel.pins[0]

    outsider = await bot.driver.click("U0002", channel.id, card_ts, "incident_take_command")
    assert outsider.status == 200  # bob has no part in it: taking command from alice is not his (issue 20)
    await bot.settled()
    assert "You may not take command of INC-1" in str(bot.ws.responses[-1].get("text"))
    assert "*Commander:* @alice" in card_text(bot, channel.id)
    reply = await bot.driver.click("U0004", channel.id, card_ts, "incident_take_command")
    assert reply.status == 200
    await bot.settled()
    assert "*Commander:* @dave" in card_text(bot, channel.id)  # on-call for cv-detector: he may
    assert channel.pins == [card_ts]
    assert "U0004" in channel.members

    await bot.driver.click("U0002", channel.id, card_ts, "incident_post_update")  # updates are open to everyone
    view_id = await opened_view(bot, "Post an update")
    refused = await bot.driver.submit("U0002", view_id, {"text": ""})
    assert refused.json["errors"] == {"text_block": "Say what changed."}
    await bot.driver.submit(
        "U0002",
        view_id,
        {
            "text": "Fallback live on cams 23-40",
            "impact": "missed detections",
            "scope": "cams 23-40",
            "mitigation": "fallback model",
        },
    )
    await bot.settled()
    update = seen(bot, channel.id)[-1]
    assert "*Owner:* @dave" in update and "*Scope:* cams 23-40" in update and "*Mitigation:* fallback model" in update
    assert "*Impact:* missed detections" in card_text(bot, channel.id)

    stale_blocks = list(channel.message(card_ts).blocks)
    views_before, answered = len(bot.ws.views), len(bot.ws.responses)
    await bot.driver.click("U0002", channel.id, card_ts, "incident_resolve")  # bob has no part in it
    await eventually(lambda: len(bot.ws.responses) > answered)
    assert "You may not resolve INC-1" in str(bot.ws.responses[-1].get("text"))
    assert len(bot.ws.views) == views_before  # no form opened for him
    await bot.driver.click("U0003", channel.id, card_ts, "incident_resolve")
    view_id = await opened_view(bot, "Resolve INC-1")
    await bot.driver.submit("U0003", view_id, {"summary": "Exposure preset restored"})
    await bot.settled()
    assert "Resolved" in card_text(bot, channel.id)
    assert "*Summary:* Exposure preset restored" in seen(bot, channel.id)[-1]

    # A client still showing the old card: a clear private answer, nothing changes.
    channel.message(card_ts).blocks = stale_blocks
    before = await timeline(bot)
    views = len(bot.ws.views)
    answered = len(bot.ws.responses)
    await bot.driver.click("U0002", channel.id, card_ts, "incident_post_update")
    await eventually(lambda: len(bot.ws.responses) > answered)
    assert bot.ws.responses[-1]["text"].endswith("INC-1 is already resolved.")
    assert bot.ws.responses[-1]["response_type"] == "ephemeral" and bot.ws.responses[-1]["user"] == "U0002"
    assert len(bot.ws.views) == views
    assert await timeline(bot) == before


async def test_acknowledge_an_incident_nobody_owns(bot: Bot) -> None:
    from bot import incidents

    async with bot.services.db.session_scope() as session:
        await incidents.declare(
            session,
            config=bot.services.config,
            now=bot.services.clock.now(),
            severity="SEV1",
            title="mAP below SLO on 60% of cameras",
            model="cv-detector",
            declared_by="sevbot",
            auto=True,
        )
    bot.services.dispatcher.wake()
    await bot.settled()
    (channel,) = bot.incident_channels()
    card = card_text(bot, channel.id)
    assert "automatically by sevbot from an alert" in card and "not acknowledged yet" in card
    assert "[Acknowledge]" in card and "*Commander:* nobody yet" in card
    assert channel.topic.startswith("SEV1 · investigating · IC unassigned")

    await bot.driver.click("U0004", channel.id, channel.pins[0], "incident_acknowledge")
    await bot.settled()
    card = card_text(bot, channel.id)
    assert "acknowledged" in card and "by @dave" in card and "*Commander:* @dave" in card
    assert "[Acknowledge]" not in card
    assert any("@dave acknowledged the incident and is now *Commander*" in m for m in seen(bot, channel.id))
    again = await bot.driver.slash("U0004", channel.id, "ack")
    assert "You already acknowledged INC-1" in again.ephemeral_text
