"""Who a Slack user is outside Slack (`bot.notify.story.People`): their handle, and their email for Jira."""

from __future__ import annotations

from bot.slack.poster import Poster

__all__ = ["SlackPeople"]


class SlackPeople:
    def __init__(self, poster: Poster) -> None:
        self.poster = poster

    async def name(self, user_id: str) -> str:
        return await self.poster.user_name(user_id)

    def known_name(self, user_id: str) -> str | None:
        return self.poster.known_name(user_id)

    async def email(self, user_id: str) -> str | None:
        return await self.poster.user_email(user_id)
