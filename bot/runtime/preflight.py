"""`sevbot check --online`: can sevbot reach what its configuration names? Slack (`auth.test` with the bot token),
each model's serving backend (what is live), each metrics store (each SLO's query, once), each integration
(PagerDuty's routing key, Opsgenie's key, the SMTP server's EHLO and login, Jira's `myself`). Every call is bounded,
and each result says what was tried and what came back."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Config
from bot.notify.credentials import Credentials, reveal
from bot.notify.jira import Jira
from bot.notify.mail import Mailer
from bot.notify.opsgenie import Opsgenie
from bot.notify.pagerduty import PagerDuty
from bot.notify.wire import Refused, Unavailable
from bot.serving import ServingError, backend_for
from bot.serving._http import request_json
from bot.settings import Settings
from bot.texts import count_of

__all__ = ["Reached", "reach"]

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Reached:
    what: str
    ok: bool
    detail: str


async def reach(settings: Settings, config: Config) -> list[Reached]:
    checks = [_slack(settings)]
    checks += [_serving(name, config) for name, model in config.models.items() if model.serving.backend != "simulated"]
    checks += [
        _metrics(name, metric, config)
        for name, model in config.models.items()
        if model.metrics is not None and model.metrics.backend == "prometheus"
        for metric in model.metrics.queries
    ]
    async with aiohttp.ClientSession() as http:
        checks += _integrations(config, http)
        return list(await asyncio.gather(*checks))


def _integrations(config: Config, http: aiohttp.ClientSession) -> list[Coroutine[Any, Any, Reached]]:
    given = config.integrations
    found = Credentials.from_env(given, os.environ)
    checks: list[Coroutine[Any, Any, Reached]] = []
    if given.pagerduty:
        pd = PagerDuty(http=http, settings=given.pagerduty, routing_key=reveal(found.pagerduty_routing_key))
        checks.append(_integration(f"PagerDuty ({given.pagerduty.events_url})", pd.reach))
    if given.opsgenie:
        og = Opsgenie(http=http, settings=given.opsgenie, api_key=reveal(found.opsgenie_api_key))
        checks.append(_integration(f"Opsgenie ({given.opsgenie.url})", og.reach))
    if given.email:
        mailer = Mailer(settings=given.email, username=found.smtp_username, password=reveal(found.smtp_password))
        checks.append(_integration(f"mail ({given.email.smtp})", mailer.reach))
    if given.jira:
        jira = Jira(http=http, settings=given.jira, user=found.jira_user, token=reveal(found.jira_token))
        checks.append(_integration(f"Jira ({given.jira.url})", jira.reach))
    return checks


async def _integration(what: str, reach: Callable[[], Awaitable[str]]) -> Reached:
    try:
        return Reached(what, True, await asyncio.wait_for(reach(), timeout=TIMEOUT_S * 2))
    except (Refused, Unavailable) as exc:
        return Reached(what, False, str(exc))
    except TimeoutError:
        return Reached(what, False, "no answer in time")


async def _slack(settings: Settings) -> Reached:
    what = f"Slack ({settings.slack_api_url})"
    if settings.slack_bot_token is None:
        return Reached(what, False, "SLACK_BOT_TOKEN is unset")
    async with aiohttp.ClientSession() as http:
        client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=settings.slack_api_url,
            session=http,
            timeout=int(TIMEOUT_S),
        )
        try:
            answer = await client.auth_test()
        except SlackApiError as exc:
            return Reached(what, False, f"auth.test said {exc.response.get('error')}")
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Reached(what, False, f"could not connect: {type(exc).__name__} {exc}".strip())
    return Reached(what, True, f"auth.test: bot @{answer.get('user')} in team {answer.get('team')}")


async def _serving(name: str, config: Config) -> Reached:
    model = config.models[name]
    backend = backend_for(name, model, timeout_s=TIMEOUT_S)
    what = f"{name} on {backend.name}"
    try:
        state = await asyncio.wait_for(backend.describe(), timeout=TIMEOUT_S + 1)
    except ServingError as exc:
        return Reached(what, False, str(exc))
    except (TimeoutError, OSError) as exc:
        return Reached(what, False, f"no answer: {type(exc).__name__} {exc}".strip())
    known = count_of(len(state.versions), "version")
    canary = f", canary {state.canary} at {state.canary_percent:g} %" if state.canary and state.canary_percent else ""
    return Reached(what, True, f"live version {state.live or 'unknown'}, {known} known{canary}")


async def _metrics(name: str, metric: str, config: Config) -> Reached:
    metrics = config.models[name].metrics
    assert metrics is not None and metrics.url is not None
    what = f"{name} {metric} on Prometheus {metrics.url}"
    try:
        answer = await request_json(
            "GET",
            f"{str(metrics.url).rstrip('/')}/api/v1/query",
            params={"query": metrics.queries[metric]},
            what="Prometheus query",
            timeout_s=TIMEOUT_S,
        )
    except ServingError as exc:
        return Reached(what, False, str(exc))
    if answer.get("status") != "success":
        return Reached(what, False, f"the query failed: {answer.get('error', 'no reason given')}")
    series = answer.get("data", {}).get("result", [])
    return Reached(what, True, f"query answered, {len(series)} series now" + ("" if series else " (no data yet)"))
