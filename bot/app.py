"""`build_app`: the slack-bolt app, made fresh for `sevbot serve`, `sevbot demo` and each test."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

import commands
from bot.services import Services

__all__ = ["build_app"]


def build_app(services: Services) -> AsyncApp:
    settings = services.settings
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    app = AsyncApp(
        client=services.client,
        signing_secret=secret,
        # Socket Mode traffic is authenticated by the app token; without a secret the HTTP route refuses everything.
        request_verification_enabled=bool(secret),
        process_before_response=False,
        raise_error_for_unhandled_request=False,
    )
    commands.register(app, services)
    return app
