"""A running bot against a running Slack emulator, for scenario tests, benchmarks and the demo's checks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from bot.config import Config, parse_config
from bot.emulator import SlackDriver, SlackEmulator
from bot.server import SERVICES, ServerOptions, create_web_app
from bot.services import Services
from bot.settings import Settings

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"

USERS = {
    "U0001": "alice", "U0002": "bob", "U0003": "carol", "U0004": "dave", "U0005": "erin", "U0009": "manager",
}

CONFIG: dict[str, Any] = {
    "channels": {"alerts": "ml-alerts", "announcements": "incidents"},
    "incident_channel_prefix": "inc",
    "responders": ["U0005"],
    "models": {
        "cv-detector": {
            "owners": ["U0003"],
            "oncall": ["U0004"],
            "serving": {"backend": "mlflow", "url": "http://127.0.0.1:5000", "alias": "champion"},
            "fallback": "cv-detector-lite",
            "slos": {"map": {"min": 0.55, "window": "60m"}},
            "runbook": "https://wiki.example/runbooks/cv-detector",
            "dashboard": "https://grafana.example/d/cv-detector",
        },
        "ranker": {"owners": ["U0002"], "serving": {"backend": "http", "url": "http://127.0.0.1:8081"}},
    },
}


@dataclass
class Bot:
    emulator: SlackEmulator
    driver: SlackDriver
    app: web.Application
    url: str

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    @property
    def ws(self):  # type: ignore[no-untyped-def]
        return self.emulator.workspace

    async def settled(self, timeout: float = 15.0) -> None:
        """Wait until the outbox has nothing left that is due."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self.services.dispatcher.pending() == 0:
                return
            self.services.dispatcher.wake()
            await asyncio.sleep(0.02)
        raise TimeoutError(f"outbox still has {await self.services.dispatcher.pending()} rows")

    def channel(self, name: str):  # type: ignore[no-untyped-def]
        return self.ws.channel_named(name)

    def incident_channels(self):  # type: ignore[no-untyped-def]
        prefix = self.services.config.incident_channel_prefix + "-"
        return [c for c in self.ws.channels.values() if c.name.startswith(prefix)]


def make_emulator() -> SlackEmulator:
    emulator = SlackEmulator(bot_token=TOKEN)
    for user_id, name in USERS.items():
        emulator.workspace.add_user(user_id, name)
    emulator.workspace.add_usergroup("S0ONCALL", "ml-oncall", ["U0004"])
    everyone = list(USERS)
    emulator.workspace.add_channel("general", members=everyone)
    emulator.workspace.add_channel("ml-alerts", members=everyone, creator="U0001")
    emulator.workspace.add_channel("incidents", members=everyone, creator="U0001")
    return emulator


@asynccontextmanager
async def running_bot(
    database_url: str, *, config: Config | None = None, emulator: SlackEmulator | None = None,
    options: ServerOptions | None = None,
) -> AsyncIterator[Bot]:
    emulator = emulator or make_emulator()
    own_emulator = not emulator.base_url
    if own_emulator:
        await emulator.start()
    settings = Settings(
        slack_bot_token=TOKEN, slack_signing_secret=SECRET, slack_api_url=emulator.api_url, database_url=database_url,
        sevbot_alert_token="alert-token", _env_file=None,  # type: ignore[call-arg]
    )
    app = create_web_app(settings, config or parse_config(CONFIG), options or ServerOptions(poll_s=0.05))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        driver = SlackDriver(emulator, bot_url=url, signing_secret=SECRET, http=http)
        try:
            yield Bot(emulator=emulator, driver=driver, app=app, url=url)
        finally:
            await runner.cleanup()
            if own_emulator:
                await emulator.stop()


def seen(bot: Bot, channel_id: str) -> list[str]:
    """Each message of a channel as a person reads it (ephemeral ones included, marked)."""
    from bot.emulator import render_message

    channel = bot.ws.channels[channel_id]
    return [render_message(bot.ws, m) for m in channel.messages if m.subtype != "channel_topic"]


def card_text(bot: Bot, channel_id: str) -> str:
    """The pinned incident card, as a person reads it."""
    from bot.emulator import render_message

    channel = bot.ws.channels[channel_id]
    assert len(channel.pins) == 1, f"expected one pinned card, found {len(channel.pins)}"
    return render_message(bot.ws, channel.message(channel.pins[0]))


async def timeline(bot: Bot) -> list[tuple[int, str, str, dict[str, Any]]]:
    from sqlmodel import col, select

    from bot.models import TimelineEvent

    async with bot.services.db.session_scope() as session:
        rows = (await session.exec(select(TimelineEvent).order_by(col(TimelineEvent.id)))).all()
    return [(r.incident_id, r.actor, r.kind, r.data) for r in rows]


async def declare(bot: Bot, text: str = "declare sev2 cv-detector mAP drop on cams 23-40", user: str = "U0001"):  # type: ignore[no-untyped-def]
    reply = await bot.driver.slash(user, bot.channel("general").id, text)
    assert reply.status == 200, reply
    await bot.settled()
    channels = bot.incident_channels()
    return reply, channels[-1] if channels else None


async def eventually(predicate: Any, timeout: float = 5.0) -> Any:
    """Wait for what happens after the ack (a form opening, a message arriving)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise TimeoutError("the condition did not come true in time")


async def opened_view(bot: Bot, title: str) -> str:
    def find() -> str | None:
        return next((v for v, view in reversed(bot.ws.views.items()) if view["title"]["text"] == title), None)

    return str(await eventually(find))
