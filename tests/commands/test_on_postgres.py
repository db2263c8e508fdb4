"""The incident flow on both databases: SQLite by default, a real PostgreSQL when a team outgrows it."""

from __future__ import annotations

from tests.harness import Bot, card_text, declare, seen, timeline


async def test_incident_flow(any_db_bot: Bot) -> None:
    bot = any_db_bot
    _, channel = await declare(bot)
    await bot.driver.click("U0004", channel.id, channel.pins[0], "incident_take_command")
    await bot.driver.slash("U0004", channel.id, "update Routed cams 23-40 to 1.8.2")
    await bot.driver.slash("U0004", channel.id, "severity sev1")
    await bot.driver.slash("U0004", channel.id, "resolve Fixed by routing to 1.8.2")
    await bot.settled()
    card = card_text(bot, channel.id)
    assert "*SEV1 · INC-1" in card and "Resolved" in card and "*Commander:* @dave" in card
    assert channel.topic == "SEV1 · resolved · IC <@U0004>"
    assert len(seen(bot, bot.channel("incidents").id)) == 3
    kinds = [kind for _, _, kind, _ in await timeline(bot)]
    assert kinds[-3:] == ["status_update", "severity_changed", "resolved"]
    assert kinds.count("role_assigned") == 4
