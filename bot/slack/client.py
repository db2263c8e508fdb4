"""The Web API clients: SLACK_API_URL honoured; 5xx and dropped connections retried briefly.

Two of them. The interaction client (bolt's: `respond`, `views.open`) retries a 429 after `Retry-After`, since a
person is waiting on that one call. The outbox client does not sleep on a 429: it remembers, per method, until when
Slack asked it to wait, fails any call to that method before then at once (`RateLimited`, no request made), and lets
the outbox reschedule the row; other methods, and other incidents' rows, go on (Slack's limits are per method)."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.settings import Settings

__all__ = ["RateAwareClient", "RateLimited", "outbox_client", "web_client"]


class RateLimited(Exception):
    """A call not made: Slack asked us to wait before calling `method` again."""

    def __init__(self, method: str, retry_after_s: float) -> None:
        super().__init__(f"{method} rate limited by Slack for {retry_after_s:.1f} s more")
        self.method = method
        self.retry_after_s = retry_after_s


class RateAwareClient(AsyncWebClient):
    """An AsyncWebClient that keeps Slack's per-method `Retry-After` instead of sleeping on it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.blocked_until: dict[str, float] = {}

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        now = time.monotonic()
        until = self.blocked_until.get(api_method, 0.0)
        if until > now:
            raise RateLimited(api_method, until - now)
        try:
            return await super().api_call(api_method, **kwargs)
        except SlackApiError as exc:
            if exc.response is not None and exc.response.status_code == 429:
                wait = retry_after(exc) or 1
                self.blocked_until[api_method] = max(until, time.monotonic() + wait)
            raise


def retry_after(exc: SlackApiError) -> int | None:
    if exc.response is None or exc.response.status_code != 429:
        return None
    value = exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after")
    if isinstance(value, list):
        value = value[0]
    return int(value) if value and str(value).isdigit() else 1


def _base_url(settings: Settings) -> str:
    return settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"


def _token(settings: Settings) -> str | None:
    return settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None


def web_client(
    settings: Settings, *, session: aiohttp.ClientSession | None = None, timeout_s: int = 10
) -> AsyncWebClient:
    return AsyncWebClient(
        token=_token(settings),
        base_url=_base_url(settings),
        timeout=timeout_s,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def outbox_client(
    settings: Settings, *, session: aiohttp.ClientSession | None = None, timeout_s: int = 10
) -> RateAwareClient:
    return RateAwareClient(
        token=_token(settings),
        base_url=_base_url(settings),
        timeout=timeout_s,
        session=session,
        retry_handlers=[],  # the outbox owns retrying: an automatic retry of a post whose answer was lost posts twice
    )
