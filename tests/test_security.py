"""Requests Slack did not sign, or signed too long ago, are refused and change nothing."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from tests.harness import Bot, timeline


def _declare_form(bot: Bot) -> str:
    return urlencode(
        {
            "command": "/incident",
            "text": "declare sev1 cv-detector forged",
            "user_id": "U0001",
            "channel_id": bot.channel("general").id,
            "team_id": "T0001",
            "trigger_id": "x",
            "response_url": bot.emulator.new_response_url(channel=bot.channel("general").id, user="U0001"),
        }
    )


async def test_unsigned_stale_and_forged_requests_get_401(bot: Bot) -> None:
    body = _declare_form(bot)
    unsigned = await bot.driver.send(body, signed=False)
    stale = await bot.driver.send(body, timestamp=int(time.time()) - 301)
    forged = await bot.driver.send(body, secret="not-the-secret")
    assert [unsigned.status, stale.status, forged.status] == [401, 401, 401]
    fresh = await bot.driver.send(body, timestamp=int(time.time()) - 240)  # inside the 5 minutes
    assert fresh.status == 200
    await bot.settled()
    assert len(await timeline(bot)) == 4  # only the signed, fresh one declared
    assert len(bot.incident_channels()) == 1


async def test_health_readiness_and_metrics(bot: Bot) -> None:
    http = bot.driver.http
    async with http.get(bot.url + "/healthz") as r:
        assert r.status == 200 and (await r.json()) == {"ok": True}
    async with http.get(bot.url + "/readyz") as r:
        assert r.status == 200
    await bot.driver.slash("U0001", bot.channel("general").id, "help")
    async with http.get(bot.url + "/metrics") as r:
        text = await r.text()
    assert 'sevbot_commands_total{name="help",outcome="ok"} 1.0' in text
    assert "sevbot_slack_ack_seconds_bucket" in text and "sevbot_outbox_pending" in text
