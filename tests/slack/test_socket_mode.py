"""Socket Mode (SLACK_APP_TOKEN set): the bot opens a WebSocket with the app-level token through
`apps.connections.open`, and slash commands, button clicks and modal submissions reach it as envelopes that it
acks on the socket; the HTTP route, with no signing secret, refuses everything; alert webhooks stay on HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.tryout.emulator import SlackEmulator
from tests.harness import Bot, am_alert, am_payload, eventually, make_emulator, post_alert, running_bot


@pytest.fixture
async def emulator() -> SlackEmulator:
    return make_emulator()


@pytest.fixture
async def bot(emulator: SlackEmulator, tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", emulator=emulator, socket_mode=True) as running:
        await eventually(lambda: emulator.socket_mode.connected)
        yield running


async def test_commands_clicks_and_forms_arrive_over_the_socket(bot: Bot, emulator: SlackEmulator) -> None:
    (opened,) = emulator.calls_to("apps.connections.open")
    assert opened.ok and emulator.socket_mode.opened == 1
    general = bot.channel("general").id

    reply = await bot.driver.slash("U0002", general, "declare sev2 ranker CTR down in eu-west")
    assert reply.status == 200 and "Declared *INC-1*" in reply.ephemeral_text  # the ack's payload, from the socket
    await bot.settled()
    (channel,) = bot.incident_channels()
    assert channel.name.startswith("inc-") and "U0002" in channel.members

    await bot.driver.click("U0004", channel.id, channel.pins[0], "incident_post_update")
    await bot.driver.submit("U0004", await bot.opened_view("Post an update"), {"text": "rolled back the ranker"})
    await bot.settled()
    assert any("rolled back the ranker" in text for text in bot.seen(channel.id))

    reply = await bot.driver.slash("U0002", channel.id, "severity sev9")
    assert "Unknown severity `sev9`" in reply.ephemeral_text  # errors come back on the socket too


async def test_the_http_route_refuses_and_alerts_still_come_over_http(bot: Bot, emulator: SlackEmulator) -> None:
    general = bot.channel("general").id
    bot.driver.socket = False  # the same signed request, but to /slack/events
    reply = await bot.driver.slash("U0002", general, "declare sev2 ranker CTR down")
    assert reply.status == 401 and bot.incident_channels() == []
    status, _ = await post_alert(bot, "alertmanager", am_payload(*[am_alert(f"cam-{n}", 0.4) for n in range(6)]))
    assert status == 202
    await bot.settled()
    assert len(bot.incident_channels()) == 1


async def test_only_the_app_level_token_opens_a_socket(bot: Bot, emulator: SlackEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        for token, error in (("xoxb-emulator", "not_allowed_token_type"), ("xapp-1-wrong", "invalid_auth")):
            async with http.post(
                emulator.api_url + "apps.connections.open", headers={"Authorization": f"Bearer {token}"}
            ) as response:
                assert (await response.json()) == {"ok": False, "error": error}


async def test_a_refresh_request_reconnects_and_nothing_is_lost(bot: Bot, emulator: SlackEmulator) -> None:
    await emulator.socket_mode.refresh()  # Slack asks apps to move to a new connection every few hours
    await eventually(lambda: emulator.socket_mode.opened == 2 and emulator.socket_mode.connected)
    assert len(emulator.calls_to("apps.connections.open", ok=True)) == 2
    reply = await bot.driver.slash("U0002", bot.channel("general").id, "declare sev3 ranker slow")
    assert "Declared *INC-1*" in reply.ephemeral_text


async def test_an_envelope_delivered_twice_is_acted_on_once(bot: Bot, emulator: SlackEmulator) -> None:
    general = bot.channel("general").id
    form = {
        "command": "/incident",
        "text": "declare sev2 ranker CTR down twice",
        "user_id": "U0002",
        "user_name": "bob",
        "channel_id": general,
        "team_id": emulator.workspace.team_id,
        "trigger_id": "same-trigger",
        "response_url": emulator.new_response_url(channel=general, user="U0002"),
    }
    first = await emulator.socket_mode.send("slash_commands", form)
    again = await emulator.socket_mode.send("slash_commands", form)  # Slack redelivers what it saw unacked
    assert "Declared *INC-1*" in str(first)
    assert "INC-2" not in str(again)
    await bot.settled()
    assert len(bot.incident_channels()) == 1


async def test_app_home_opened_arrives_over_the_socket_and_is_acted_on_once(bot: Bot, emulator: SlackEmulator) -> None:
    await bot.driver.open_home("U0003", event_id="EvSOCKET1")
    await bot.driver.open_home("U0003", event_id="EvSOCKET1")  # the same event delivered again
    await bot.settled()
    assert len(emulator.calls_to("views.publish")) == 1
    assert "*Incidents* · 0 open" in str(emulator.workspace.homes["U0003"]["blocks"])
