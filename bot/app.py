"""`build_app`: the slack-bolt app, made fresh for `sevbot serve`, `sevbot demo` and each test."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult

import commands
from bot.services import Services

__all__ = ["build_app"]


class _TokenIsOurs(logging.Filter):
    """bolt warns that the client's token is "ignored" when `authorize` is given; ours returns that same token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "will be ignored" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_TokenIsOurs())


def build_app(services: Services) -> AsyncApp:
    settings = services.settings
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        # Single workspace: the token is ours already. bolt's default would call auth.test on the first
        # request, so a Slack outage would fail that request instead of letting us ack it.
        return AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id, bot_token=token, bot_user_id=services.publisher.known_bot_user
        )

    app = AsyncApp(
        client=services.client,
        authorize=authorize,
        signing_secret=secret,
        # Socket Mode traffic is authenticated by the app token; without a secret the HTTP route refuses everything.
        request_verification_enabled=bool(secret),
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )
    commands.register(app, services)
    return app
