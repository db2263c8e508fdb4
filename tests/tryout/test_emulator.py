"""The emulator answers like Slack, through the real slack_sdk client: state, error codes, limits, faults."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.tryout.emulator import SlackEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    emulator = SlackEmulator(bot_token="xoxb-t")
    emulator.workspace.add_user("U0001", "alice")
    await emulator.start()
    yield emulator
    await emulator.stop()


def _client(emulator: SlackEmulator, token: str = "xoxb-t") -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=emulator.api_url)


async def _error(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call  # type: ignore[misc]
    return str(caught.value.response["error"])


async def test_channels_behave_like_slack(emulator: SlackEmulator) -> None:
    client = _client(emulator)
    created = await client.conversations_create(name="inc-1")
    channel = created["channel"]["id"]
    assert await _error(client.conversations_create(name="inc-1")) == "name_taken"
    assert await _error(client.conversations_create(name="Inc 1")) == "invalid_name_specials"
    assert await _error(client.conversations_create(name="x" * 81)) == "invalid_name_maxlength"
    await client.conversations_invite(channel=channel, users="U0001")
    assert await _error(client.conversations_invite(channel=channel, users="U0001")) == "already_in_channel"
    assert await _error(client.conversations_invite(channel=channel, users="U9999")) == "user_not_found"
    assert await _error(client.chat_postMessage(channel="C404", text="x")) == "channel_not_found"
    await client.conversations_setTopic(channel=channel, topic="SEV2")
    assert emulator.workspace.channels[channel].topic == "SEV2"
    assert await _error(client.conversations_setTopic(channel=channel, topic="t" * 251)) == "too_long"
    posted = await client.chat_postMessage(channel=channel, text="card")
    await client.pins_add(channel=channel, timestamp=posted["ts"])
    assert await _error(client.pins_add(channel=channel, timestamp=posted["ts"])) == "already_pinned"
    await client.chat_update(channel=channel, ts=posted["ts"], text="card v2")
    assert emulator.workspace.channels[channel].message(posted["ts"]).text == "card v2"
    await client.conversations_archive(channel=channel)
    assert await _error(client.chat_postMessage(channel=channel, text="late")) == "is_archived"
    assert await _error(_client(emulator, "xoxb-wrong").auth_test()) == "invalid_auth"


async def test_block_kit_limits(emulator: SlackEmulator) -> None:
    client = _client(emulator)
    channel = (await client.conversations_create(name="limits"))["channel"]["id"]
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    too_many = [{"type": "divider"}] * 51
    assert await _error(client.chat_postMessage(channel=channel, text="x", blocks=too_long)) == "invalid_blocks"
    assert await _error(client.chat_postMessage(channel=channel, text="x", blocks=too_many)) == "invalid_blocks"
    assert emulator.workspace.channels[channel].messages == []


async def test_faults_ratelimited_with_retry_after_and_500(emulator: SlackEmulator) -> None:
    emulator.fail("auth.test", "ratelimited", retry_after=7)
    emulator.fail("auth.test", "server_error")
    async with aiohttp.ClientSession() as http:
        async with http.post(emulator.api_url + "auth.test", headers={"Authorization": "Bearer xoxb-t"}) as r:
            assert r.status == 429 and r.headers["Retry-After"] == "7"
        async with http.post(emulator.api_url + "auth.test", headers={"Authorization": "Bearer xoxb-t"}) as r:
            assert r.status == 500
    assert (await _client(emulator).auth_test())["user_id"] == "UBOT0001"
    emulator.latency_s = 0.05
    assert (await _client(emulator).auth_test())["ok"]


async def test_file_upload_flow_and_response_url(emulator: SlackEmulator) -> None:
    client = _client(emulator)
    channel = (await client.conversations_create(name="files"))["channel"]["id"]
    await client.files_upload_v2(channel=channel, content="# Postmortem", filename="postmortem.md", title="Postmortem")
    (message,) = emulator.workspace.channels[channel].messages
    assert message.files[0]["title"] == "Postmortem"
    stored = emulator.workspace.files[message.files[0]["id"]]
    assert stored["content"] == b"# Postmortem"

    url = emulator.new_response_url(channel=channel, user="U0001")
    async with aiohttp.ClientSession() as http, http.post(url, json={"text": "only you"}) as r:
        assert r.status == 200
    assert emulator.workspace.channels[channel].messages[-1].ephemeral_to == "U0001"


async def test_views_need_a_fresh_trigger(emulator: SlackEmulator) -> None:
    client = _client(emulator)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Declare"}, "blocks": [{"type": "divider"}]}
    assert await _error(client.views_open(trigger_id="made-up", view=view)) == "invalid_trigger_id"
    trigger = emulator.workspace.new_trigger()
    await client.views_open(trigger_id=trigger, view=view)
    assert await _error(client.views_open(trigger_id=trigger, view=view)) == "invalid_trigger_id"  # single use
