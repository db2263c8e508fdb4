"""User-group membership from Slack (`usergroups.users.list`), cached so an authorization check costs no call.

The responder groups are read at start and refreshed by the scheduler's tick; a check uses what is cached, even
if a little old, and only a group never read yet is asked for on the spot (bounded, so an ack is never held up
by a slow Slack for long). A group Slack will not list has no members: nobody is let in by an outage.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["SlackDirectory"]

log = logging.getLogger(__name__)


class SlackDirectory:
    def __init__(self, *, client: AsyncWebClient, ttl_s: float = 300.0, lookup_timeout_s: float = 1.5) -> None:
        self.client = client
        self.ttl_s = ttl_s
        self.lookup_timeout_s = lookup_timeout_s
        self._cache: dict[str, tuple[frozenset[str], float]] = {}

    async def members(self, group: str) -> frozenset[str]:
        cached = self._cache.get(group)
        if cached is not None:
            return cached[0]
        return await self._fetch(group)

    async def refresh(self, groups: Iterable[str]) -> None:
        """Re-read the groups whose cached membership is older than the TTL (or never read)."""
        now = time.monotonic()
        for group in groups:
            cached = self._cache.get(group)
            if cached is None or now - cached[1] >= self.ttl_s:
                await self._fetch(group)

    async def _fetch(self, group: str) -> frozenset[str]:
        try:
            answer = await asyncio.wait_for(
                self.client.usergroups_users_list(usergroup=group), timeout=self.lookup_timeout_s
            )
            members = frozenset(str(u) for u in answer.get("users") or [])
        except (SlackApiError, TimeoutError, OSError) as exc:
            log.warning("could not read the members of user group %s: %s", group, exc)
            cached = self._cache.get(group)
            return cached[0] if cached else frozenset()
        self._cache[group] = (members, time.monotonic())
        return members
