"""Reading a failed Slack call for the outbox: a rate limit (wait for that method's `Retry-After`), an outage or a
bad answer (back off and retry), a refusal a retry will not change (`restricted_action`, `missing_scope`,
`not_in_channel`… set aside at once), or the whole workspace failing (a bad token: keep trying, never set aside)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.runtime.outbox import Failure, NotReady
from bot.slack.client import RateLimited, retry_after

__all__ = ["TRANSIENT_ERRORS", "WORKSPACE_ERRORS", "NoSuchChannel", "failure", "permanent", "slack_error"]

TRANSIENT_ERRORS = {"internal_error", "service_unavailable", "request_timeout", "ratelimited", "fatal_error"}
WORKSPACE_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "ratelimited", "fatal_error"}


class NoSuchChannel(LookupError):
    """A channel sevbot.yml names is not in the workspace: no retry will make it exist."""


def slack_error(exc: SlackApiError) -> str:
    """Slack's error code (`name_taken`), or "" when the answer was not Slack's JSON (a 500 page)."""
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def permanent(exc: SlackApiError) -> bool:
    """Slack answered, and said no for a reason a retry will not change (not a limit, an outage or a bad token)."""
    if exc.response is None or exc.response.status_code != 200:
        return False
    code = slack_error(exc)
    return bool(code) and code not in TRANSIENT_ERRORS and code not in WORKSPACE_ERRORS


def failure(exc: Exception) -> Failure:
    if isinstance(exc, RateLimited):
        return Failure(reason=f"RateLimited: {exc}", retry_after_s=max(exc.retry_after_s, 0.05), waiting=True)
    if isinstance(exc, NotReady):
        return Failure(reason=f"NotReady: {exc}", waiting=True)
    if isinstance(exc, NoSuchChannel):  # a mistyped channel in sevbot.yml: said, not retried for ever
        return Failure(reason=str(exc), permanent=True)
    if isinstance(exc, SlackApiError):
        code = slack_error(exc)
        waited = retry_after(exc)
        return Failure(
            reason=f"Slack said {code or exc.response.status_code}",
            retry_after_s=max(float(waited), 0.05) if waited is not None else None,
            waiting=waited is not None,
            permanent=permanent(exc),
            workspace=code in WORKSPACE_ERRORS,
        )
    return Failure(reason=f"{type(exc).__name__}: {exc}")
