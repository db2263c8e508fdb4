"""What every interaction needs, made once at start and passed down explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import Directory
from bot.alerts.intake import Intake
from bot.clock import Clock
from bot.config import Config
from bot.drills.player import Player
from bot.guardrails import Watch
from bot.incidents.cadence import Cadence
from bot.insights.digest import Digests
from bot.notify.credentials import Credentials
from bot.runtime.db import Database
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.follow_ups import FollowUps
from bot.runtime.telemetry import Metrics
from bot.settings import Settings
from bot.slack.publisher import Publisher
from bot.texts import Texts

__all__ = ["MAX_BODY", "SERVICES", "Services"]

MAX_BODY = 1024 * 1024  # bytes: Slack's payloads and alert webhooks alike


@dataclass(frozen=True, kw_only=True)
class Services:
    settings: Settings
    config: Config
    db: Database
    clock: Clock
    texts: Texts
    client: AsyncWebClient
    publisher: Publisher
    dispatcher: Dispatcher
    intake: Intake
    cadence: Cadence
    metrics: Metrics
    directory: Directory
    follow_ups: FollowUps  # what a request does after its ack (answering a click, opening a form)
    guardrails: Watch  # each tick: canaries read against their guardrails
    credentials: Credentials  # the integrations' secrets (the pager's webhook secret)
    drills: Player  # each tick: the drills' alerts that fell due on their clocks
    digests: Digests  # each tick: the weekly digest, once it is due (off unless configured)


SERVICES = web.AppKey("services", Services)
