"""A whole sevbot, running on loopback against the emulator: for the demo, the tests and the benchmarks."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from bot.config import Config
from bot.runtime.server import SERVICES, ServerOptions, create_web_app
from bot.runtime.services import Services
from bot.settings import Settings
from bot.tryout.emulator.driver import SlackDriver
from bot.tryout.emulator.server import SlackEmulator
from bot.tryout.emulator.state import Channel, Workspace
from bot.tryout.emulator.transcript import render_message

__all__ = ["ALERT_TOKEN", "SIGNING_SECRET", "TOKEN", "Sandbox", "eventually", "sandbox"]

SIGNING_SECRET = "sandbox-signing-secret"
TOKEN = "xoxb-sandbox-token"
ALERT_TOKEN = "sandbox-alert-token"


async def eventually(predicate: Any, within: float = 5.0) -> Any:
    """Wait for what happens after the ack (a form opening, a message arriving)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise TimeoutError("the condition did not come true in time")


@dataclass
class Sandbox:
    emulator: SlackEmulator
    driver: SlackDriver
    app: web.Application
    url: str

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    @property
    def ws(self) -> Workspace:
        return self.emulator.workspace

    async def settled(self, within: float = 15.0) -> None:
        """Wait until the outbox has nothing left to do, nor has any request's follow-up (a click's answer)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            dispatcher = self.services.dispatcher
            if self.services.follow_ups.running == 0 and dispatcher.performing == 0 and await dispatcher.pending() == 0:
                return
            self.services.dispatcher.wake()
            await asyncio.sleep(0.02)
        raise TimeoutError(f"outbox still has {await self.services.dispatcher.pending()} rows")

    def channel(self, name: str) -> Channel:
        return self.ws.channel_named(name)

    def incident_channels(self) -> list[Channel]:
        prefix = self.services.config.incident_channel_prefix + "-"
        return [c for c in self.ws.channels.values() if c.name.startswith(prefix)]

    def seen(self, channel_id: str) -> list[str]:
        """Each message of a channel as a person reads it."""
        channel = self.ws.channels[channel_id]
        return [render_message(self.ws, m) for m in channel.messages if m.subtype != "channel_topic"]

    async def deploy_gate(self, model: str) -> tuple[int, Any]:
        """`GET /deploys/<model>` as a CI job or Argo Rollouts would ask it: the status and the JSON answer."""
        headers = {"Authorization": f"Bearer {ALERT_TOKEN}"}
        async with self.driver.http.get(f"{self.url}/deploys/{model}", headers=headers) as response:
            return response.status, await response.json()

    async def post_alert(
        self, source: str, body: Any, *, token: str | None = ALERT_TOKEN, raw: bytes | None = None
    ) -> tuple[int, Any]:
        """POST to `/alerts/<source>` as Alertmanager, Grafana or a monitor would; the status and the JSON answer."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else json.dumps(body).encode()
        async with self.driver.http.post(
            f"{self.url}/alerts/{source}", data=io.BytesIO(data), headers=headers
        ) as response:
            text = await response.text()
            return response.status, (json.loads(text) if text.startswith("{") else text)

    async def opened_view(self, title: str) -> str:
        def find() -> str | None:
            return next((v for v, view in reversed(self.ws.views.items()) if view["title"]["text"] == title), None)

        return str(await eventually(find))


@asynccontextmanager
async def sandbox(
    *,
    database_url: str,
    config: Config,
    emulator: SlackEmulator,
    options: ServerOptions | None = None,
    socket_mode: bool = False,
    host: str = "127.0.0.1",
    port: int = 0,
    setup: Callable[[web.Application], None] | None = None,
) -> AsyncIterator[Sandbox]:
    """Start the bot's real aiohttp server on `host:port` (a free loopback port by default), wired to `emulator`
    (started if needed). With `socket_mode`, the bot has the app-level token and no signing secret, and Slack's side
    reaches it over the WebSocket it opens (alert webhooks still come over HTTP). `setup` adds routes of its own to
    the bot's app before it starts (the sandbox's page)."""
    own_emulator = not emulator.base_url
    if own_emulator:
        await emulator.start()
    settings = Settings(
        slack_bot_token=emulator.workspace.bot_token,
        slack_signing_secret=None if socket_mode else SIGNING_SECRET,
        slack_app_token=emulator.socket_mode.app_token if socket_mode else None,
        slack_api_url=emulator.api_url,
        database_url=database_url,
        sevbot_alert_token=ALERT_TOKEN,
        _env_file=None,
    )
    app = create_web_app(settings, config, options or ServerOptions(poll_s=0.05))
    if setup is not None:
        setup(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        driver = SlackDriver(emulator, bot_url=url, signing_secret=SIGNING_SECRET, http=http, socket=socket_mode)
        try:
            yield Sandbox(emulator=emulator, driver=driver, app=app, url=url)
        finally:
            await runner.cleanup()
            if own_emulator:
                await emulator.stop()
