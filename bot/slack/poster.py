"""The one poster every Slack surface shares: posting (joining a public channel first when needed), and the look-ups
a post needs — channels by name, people's handles, the bot's own user — each cached for the process.

Posts are idempotent: each carries its key in Slack's message metadata (`sevbot_post`), and when an earlier try of
the same outbox row may have acted (`EARLIER_TRY`: a failure, a lost answer, a crash), the channel's recent history
is searched for that key first and the message found is adopted instead of posted again."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import as_dicts, text_blocks
from bot.slack.failures import NoSuchChannel, slack_error

__all__ = ["EARLIER_TRY", "METADATA_TYPE", "OUTBOX_ROW", "Poster"]

log = logging.getLogger(__name__)

EARLIER_TRY: ContextVar[bool] = ContextVar("sevbot_earlier_try", default=False)
"""Set while an outbox row runs whose earlier try may have acted (the publisher sets it from the row's attempts)."""
OUTBOX_ROW: ContextVar[int] = ContextVar("sevbot_outbox_row", default=0)
"""The outbox row being done: the key of a post that row makes once (an announcement, a summary)."""
METADATA_TYPE = "sevbot_post"
LOOK_BACK = 100  # messages of history searched for a key


class Poster:
    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._bot_user: str | None = None
        self._channel_ids: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._emails: dict[str, str | None] = {}

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
            except SlackApiError as exc:
                log.warning("users.info %s: %s", user_id, slack_error(exc))
                return user_id
            self._remember(user_id, info["user"])
        return self._names[user_id]

    def known_name(self, user_id: str) -> str | None:
        """A handle this process already knows, without asking Slack."""
        return self._names.get(user_id)

    async def user_email(self, user_id: str) -> str | None:
        """A person's email (the `users:read.email` scope), to find them in Jira; None when Slack does not say."""
        if user_id not in self._emails:
            try:
                info = await self.client.users_info(user=user_id)
            except SlackApiError as exc:
                log.warning("users.info %s: %s", user_id, slack_error(exc))
                return None
            self._remember(user_id, info["user"])
        return self._emails.get(user_id)

    def _remember(self, user_id: str, user: dict[str, Any]) -> None:
        self._names[user_id] = str(user.get("name") or user_id)
        email = (user.get("profile") or {}).get("email")
        self._emails[user_id] = str(email) if email else None

    async def post(self, channel: str, text: str, *, key: str, thread_ts: str | None = None) -> str:
        """Post mrkdwn as blocks (with the plain text for notifications)."""
        return await self.post_blocks(channel, text[:3000], as_dicts(text_blocks(text)), key=key, thread_ts=thread_ts)

    async def post_blocks(
        self, channel: str, fallback: str, blocks: list[dict[str, Any]], *, key: str, thread_ts: str | None = None
    ) -> str:
        """Post once under `key`: after an earlier try that may have posted, the message it posted is adopted. Joins a
        public channel first if the bot is not in it yet."""
        if EARLIER_TRY.get():
            found = await self.find_posted(channel, key, thread_ts=thread_ts)
            if found is not None:
                log.info("adopted %s in %s (posted by an earlier try whose answer was lost)", key, channel)
                return found
        metadata = {"event_type": METADATA_TYPE, "event_payload": {"key": key}}
        try:
            posted = await self.client.chat_postMessage(
                channel=channel, text=fallback, blocks=blocks, thread_ts=thread_ts, metadata=metadata
            )
        except SlackApiError as exc:
            if slack_error(exc) != "not_in_channel":
                raise
            await self.client.conversations_join(channel=channel)
            posted = await self.client.chat_postMessage(
                channel=channel, text=fallback, blocks=blocks, thread_ts=thread_ts, metadata=metadata
            )
        return str(posted["ts"])

    async def find_posted(self, channel: str, key: str, *, thread_ts: str | None = None) -> str | None:
        """The timestamp of the message sevbot posted under `key` in the channel's recent history (or the thread's),
        if any. A person's direct messages (a user ID as the channel) are looked up in the conversation with them."""
        for message in await self._recent(channel, thread_ts):
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_TYPE and (metadata.get("event_payload") or {}).get("key") == key:
                return str(message["ts"])
        return None

    async def upload(self, channel: str, *, filename: str, title: str, **data: Any) -> str:
        """Share a file in the channel once, returning its ID: after an earlier try that may have shared it (a lost
        answer, a crash), the file of that name in the channel's recent history is adopted. sevbot's file names are
        unique per incident and step (`INC-7-postmortem.md`)."""
        if EARLIER_TRY.get():
            for message in await self._recent(channel, None):
                for shared in message.get("files") or []:
                    if shared.get("name") == filename and shared.get("id"):
                        log.info("adopted %s in %s (shared by an earlier try whose answer was lost)", filename, channel)
                        return str(shared["id"])
        uploaded = await self.client.files_upload_v2(channel=channel, filename=filename, title=title, **data)
        return str(uploaded["files"][0]["id"])

    async def _recent(self, channel: str, thread_ts: str | None) -> list[dict[str, Any]]:
        """The channel's (or the thread's) last `LOOK_BACK` messages, with their metadata; none if sevbot cannot read
        it (not a member, gone)."""
        try:
            if channel[:1] in ("U", "W"):  # a direct message: the conversation with that person
                opened = await self.client.conversations_open(users=channel)
                channel = str(opened["channel"]["id"])
            if thread_ts is None:
                found = await self.client.conversations_history(
                    channel=channel, limit=LOOK_BACK, include_all_metadata=True
                )
            else:
                found = await self.client.conversations_replies(
                    channel=channel, ts=thread_ts, limit=LOOK_BACK, include_all_metadata=True
                )
        except SlackApiError as exc:
            if slack_error(exc) in ("not_in_channel", "channel_not_found", "thread_not_found", "user_not_found"):
                return []
            raise
        return list(found.get("messages") or [])

    async def channel_id(self, name_or_id: str) -> str:
        """Configured channels are names or IDs; names are looked up once."""
        key = name_or_id.lstrip("#")
        if key[:1] in ("C", "G") and key[1:].isalnum() and key.upper() == key:
            return key
        if key not in self._channel_ids:
            found = await self.find_channel(key)
            if found is None:
                raise NoSuchChannel(f"channel #{key} does not exist (channels: in sevbot.yml)")
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
