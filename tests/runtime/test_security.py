"""Requests Slack did not sign, or signed too long ago, are refused and change nothing."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from tests.harness import Bot, eventually, timeline


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


async def test_a_replayed_declare_and_a_slack_retry_act_once(bot: Bot) -> None:
    body = _declare_form(bot)  # one trigger_id: the same delivery, sent again (a replay, or a proxy's retry)
    first = await bot.driver.send(body)
    again = await bot.driver.send(body)
    assert first.status == 200 and again.status == 200
    await bot.settled()
    assert len(bot.incident_channels()) == 1
    retried = body.replace("trigger_id=x", "trigger_id=y")
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": _signature(bot, ts, retried),
        "X-Slack-Retry-Num": "1",
        "X-Slack-Retry-Reason": "http_timeout",
    }
    async with bot.driver.http.post(bot.driver.bot_url, data=retried.encode(), headers=headers) as response:
        assert response.status == 200
    await bot.settled()
    assert len(bot.incident_channels()) == 1
    async with bot.driver.http.get(bot.url + "/metrics") as r:
        text = await r.text()
    assert 'sevbot_slack_replays_total{why="replay"} 1.0' in text
    assert 'sevbot_slack_replays_total{why="retry"} 1.0' in text


def _signature(bot: Bot, ts: str, body: str) -> str:
    from slack_sdk.signature import SignatureVerifier

    return str(SignatureVerifier(bot.driver.signing_secret).generate_signature(timestamp=ts, body=body))


async def test_malformed_slack_requests_get_401_or_400_never_500(bot: Bot) -> None:
    ts = str(int(time.time()))
    unsigned = [
        ({"X-Slack-Request-Timestamp": "abc"}, "payload=%7Bnot+json"),
        ({"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}, "command=/incident"),
        ({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v1=\u00e9"}, "payload=%7Bnot+json"),
        ({}, ""),
    ]
    for headers, body in unsigned:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        async with bot.driver.http.post(bot.driver.bot_url, data=body.encode(), headers=headers) as response:
            assert response.status == 401, (headers, body, await response.text())
    signed = {
        "payload=%7Bnot+json": "payload is not JSON",
        "payload=%7B%22type%22%3A%22block_actions%22%7D": "payload.user.id is missing",
        'payload={"user":{"id":"U0001"}}': "payload.type None",
        'payload={"type":"block_actions","user":{"id":"U0001"}}': "payload.actions is missing",
        "command=/incident&user_id=U0001": "channel_id missing",
    }
    for body, error in signed.items():
        reply = await bot.driver.send(body)
        assert reply.status == 400 and error in reply.json["error"], (body, reply)
    await bot.settled()
    assert await timeline(bot) == [] and bot.incident_channels() == []


async def test_a_click_naming_an_absurd_id_is_answered_privately(bot: Bot) -> None:
    import json

    await bot.driver.slash("U0004", bot.channel("general").id, "declare sev2 cv-detector mAP down")
    await bot.settled()
    (channel,) = bot.incident_channels()
    payload = {
        "type": "block_actions",
        "user": {"id": "U0004"},
        "trigger_id": "t-absurd",
        "channel": {"id": channel.id},
        "container": {"message_ts": "1.1"},
        "actions": [{"action_id": "action_confirm", "value": str(10**30), "action_ts": "1.2"}],
        "response_url": bot.emulator.new_response_url(channel=channel.id, user="U0004"),
    }
    reply = await bot.driver.send(urlencode({"payload": json.dumps(payload)}))
    assert reply.status == 200
    said = await eventually(lambda: [r for r in bot.ws.responses if "no longer exists" in str(r.get("text"))])
    assert said[0]["response_type"] == "ephemeral"
