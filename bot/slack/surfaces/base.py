"""What every Slack surface shares: the clients and stores, reading and saving an incident, posting (joining a
public channel first when needed), channel and people look-ups, and telling the channel what Slack refused."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, update

from bot import serving
from bot.clock import Clock
from bot.config import Config
from bot.containment import BackendFactory
from bot.incidents import IncidentSnapshot, snapshot
from bot.incidents.timeline import EventKind, record_and_post
from bot.models import Incident, TimelineEvent
from bot.runtime.db import Database
from bot.runtime.outbox import MISSED, NotReady
from bot.slack.blocks import (
    as_dicts,
    text_blocks,
)
from bot.slack.failures import slack_error
from bot.texts import Texts

__all__ = ["SurfaceBase"]

log = logging.getLogger(__name__)


class SurfaceBase:
    """Shared by every surface; `Publisher` puts them together. Methods one surface calls on another are declared
    here and done by the surface that owns them."""

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        db: Database,
        config: Config,
        texts: Texts,
        clock: Clock,
        backend_for: BackendFactory = serving.backend_for,
    ) -> None:
        self.client = client
        self.backend_for = backend_for
        self.db = db
        self.config = config
        self.texts = texts
        self.clock = clock
        self._bot_user: str | None = None
        self.on_refused: Callable[[str], None] | None = None  # counts a step refused for good (metrics)
        self._channel_ids: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._topics: dict[str, str] = {}  # the topic this process last set per channel: an unchanged one is not set

    # done by the surfaces that own them (see each module)
    async def _refresh(self, incident_id: int) -> None:
        raise NotImplementedError

    async def _invite(self, channel_id: str, users: list[str]) -> None:
        raise NotImplementedError

    async def _bookmarks(self, incident_id: int, *, fresh: bool = False) -> None:
        raise NotImplementedError

    async def _announce_declared(self, incident_id: int) -> None:
        raise NotImplementedError

    async def _storm_card(self, storm_id: int, per_page: int = 40) -> None:
        raise NotImplementedError

    def render_event(self, snap: IncidentSnapshot, event: TimelineEvent) -> str:
        raise NotImplementedError

    def _recommended(self, incident: Incident) -> tuple[str, ...]:
        raise NotImplementedError

    async def _load(self, incident_id: int) -> IncidentSnapshot:
        async with self.db.session_scope() as session:
            incident = await session.get(Incident, incident_id)
            if incident is None:
                raise ValueError(f"incident {incident_id} does not exist")
            return await snapshot(session, incident)

    async def _save(self, incident_id: int, **fields: Any) -> None:
        """Record what Slack just did (channel, card timestamp, pinned…): one UPDATE, nothing read back."""
        async with self.db.session_scope() as session:
            await session.exec(update(Incident).where(col(Incident.id) == incident_id).values(**fields))

    async def _channel_of(self, incident_id: int) -> str:
        snap = await self._load(incident_id)
        if snap.incident.channel_id is None:
            raise NotReady(f"INC-{incident_id} has no channel yet")
        return snap.incident.channel_id

    @property
    def known_bot_user(self) -> str | None:
        return self._bot_user

    async def bot_user(self) -> str:
        if self._bot_user is None:
            self._bot_user = str((await self.client.auth_test())["user_id"])
        return self._bot_user

    async def report_refused(self, incident_id: int, step: str, error: str) -> None:
        """On the timeline and in the channel: what could not be done, and Slack's reason."""
        log.warning("INC-%s: Slack refused %s for good: %s", incident_id, step, error)
        if self.on_refused is not None:
            self.on_refused(step)
        async with self.db.session_scope() as session:
            await record_and_post(
                session,
                incident_id=incident_id,
                actor="sevbot",
                kind=EventKind.SLACK_REFUSED,
                at=self.clock.now(),
                what=MISSED.get(step, step),
                error=error,
            )

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
            found = await self._find_channel(key)
            if found is None:
                raise LookupError(f"channel #{key} does not exist (channels: in sevbot.yml)")
            self._channel_ids[key] = str(found["id"])
        return self._channel_ids[key]

    async def _find_channel(self, name: str) -> dict[str, Any] | None:
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
