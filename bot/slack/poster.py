"""The one poster every Slack surface shares: posting (joining a public channel first when needed), and the look-ups
a post needs — channels by name, people's handles, the bot's own user — each cached for the process."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import as_dicts, text_blocks
from bot.slack.failures import slack_error

__all__ = ["Poster"]

log = logging.getLogger(__name__)


class Poster:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._bot_user: str | None = None
        self._channel_ids: dict[str, str] = {}
        self._names: dict[str, str] = {}

    @property
    def known_bot_user(self) -> str | None:
        return self._bot_user

    async def bot_user(self) -> str:
        if self._bot_user is None:
            self._bot_user = str((await self.client.auth_test())["user_id"])
        return self._bot_user

    async def user_name(self, user_id: str) -> str:
        """A person's handle for documents (one users.info per person per process)."""
        if user_id not in self._names:
            try:
                info = await self.client.users_info(user=user_id)
                self._names[user_id] = str(info["user"].get("name") or user_id)
            except SlackApiError as exc:
                log.warning("users.info %s: %s", user_id, slack_error(exc))
                return user_id
        return self._names[user_id]

    async def post(self, channel: str, text: str, *, thread_ts: str | None = None) -> str:
        """Post mrkdwn as blocks (with the plain text for notifications)."""
        return await self.post_blocks(channel, text[:3000], as_dicts(text_blocks(text)), thread_ts=thread_ts)

    async def post_blocks(
        self, channel: str, fallback: str, blocks: list[dict[str, Any]], *, thread_ts: str | None = None
    ) -> str:
        """Post; join a public channel first if the bot is not in it yet."""
        try:
            posted = await self.client.chat_postMessage(
                channel=channel, text=fallback, blocks=blocks, thread_ts=thread_ts
            )
        except SlackApiError as exc:
            if slack_error(exc) != "not_in_channel":
                raise
            await self.client.conversations_join(channel=channel)
            posted = await self.client.chat_postMessage(
                channel=channel, text=fallback, blocks=blocks, thread_ts=thread_ts
            )
        return str(posted["ts"])

    async def channel_id(self, name_or_id: str) -> str:
        """Configured channels are names or IDs; names are looked up once."""
        key = name_or_id.lstrip("#")
        if key[:1] in ("C", "G") and key[1:].isalnum() and key.upper() == key:
            return key
        if key not in self._channel_ids:
            found = await self.find_channel(key)
            if found is None:
                raise LookupError(f"channel #{key} does not exist (channels: in sevbot.yml)")
            self._channel_ids[key] = str(found["id"])
        return self._channel_ids[key]

    async def find_channel(self, name: str) -> dict[str, Any] | None:
        cursor = None
        while True:
            page = await self.client.conversations_list(
                limit=200, cursor=cursor, types="public_channel,private_channel"
            )
            for channel in page["channels"]:
                if channel["name"] == name:
                    return dict(channel)
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
