"""Slack glue for `member_joined_channel`: someone who joins an incident's channel after the declaration is offered
the catch-up privately, once (`bot.memory.catchup`); the set-up's own invitations, and sevbot, are not."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp

from bot import incidents
from bot.memory.catchup import offer
from bot.runtime.services import Services

__all__ = ["register"]


def _joined(services: Services):  # type: ignore[no-untyped-def]
    async def joined(event: dict[str, Any]) -> None:
        user, channel = event.get("user"), event.get("channel")
        if not isinstance(user, str) or not isinstance(channel, str) or user[:1] not in ("U", "W"):
            return
        if user == services.publisher.known_bot_user:
            return
        async with services.db.session_scope() as session:
            incident = await incidents.by_channel(session, channel[:32])
        if incident is not None and await offer(
            services.db, incident=incident, user=user[:32], now=services.clock.now()
        ):
            services.dispatcher.wake()

    return joined


def register(app: AsyncApp, services: Services) -> None:
    app.event("member_joined_channel")(_joined(services))
