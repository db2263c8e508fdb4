"""`build_app`: the slack-bolt app, made fresh for `sevbot serve`, `sevbot demo` and each test."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

import commands
from bot.runtime.services import Services
from bot.slack import deliveries
from bot.slack.inbound import delivery_key

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
        # The ack is sent when the listener returns (no polling for it): listeners write, ack and return, and hand
        # any Slack call of their own to `services.follow_ups`.
        process_before_response=True,
        raise_error_for_unhandled_request=False,
    )
    app.middleware(_once_over_the_socket(services))
    commands.register(app, services)
    return app


def _once_over_the_socket(services: Services):  # type: ignore[no-untyped-def]
    """Socket Mode deliveries are acted on once, like HTTP ones (which `/slack/events` checks before bolt): the same
    `trigger_id` (or click) delivered again — Slack redelivers an envelope it did not see acked — is acked only."""

    async def once(req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]) -> Any:
        if req.mode != "socket_mode" or not isinstance(req.body, dict):
            return await next()
        body: dict[str, Any] = req.body
        payload = body if "command" not in body else None
        key = delivery_key({k: str(v) for k, v in body.items()} if payload is None else {}, payload)
        if key is not None and not await deliveries.first_time(services.db, key=key, now=services.clock.now()):
            services.metrics.slack_replays.labels(why="replay").inc()
            return BoltResponse(status=200, body="")
        return await next()

    return once
