"""A running bot against a running Slack emulator, for scenario tests, benchmarks and the demo's checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.config import Config, parse_config
from bot.runtime.server import ServerOptions
from bot.tryout.emulator import SlackEmulator
from bot.tryout.emulator.entities import escaped_entities
from bot.tryout.emulator.sandbox import ALERT_TOKEN, TOKEN, Sandbox, eventually, sandbox
from bot.tryout.emulator.webhooks import am_alert, am_payload

__all__ = ["ALERT_TOKEN", "CONFIG", "Bot", "am_alert", "am_payload", "eventually", "make_emulator", "running_bot"]

USERS = {
    "U0001": "alice",
    "U0002": "bob",
    "U0003": "carol",
    "U0004": "dave",
    "U0005": "erin",
    "U0009": "manager",
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


Bot = Sandbox


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
    database_url: str,
    *,
    config: Config | None = None,
    emulator: SlackEmulator | None = None,
    options: ServerOptions | None = None,
    socket_mode: bool = False,
) -> AsyncIterator[Bot]:
    async with sandbox(
        database_url=database_url,
        config=config or parse_config(CONFIG),
        emulator=emulator or make_emulator(),
        options=options,
        socket_mode=socket_mode,
    ) as running:
        yield running
        shown_literally = escaped_entities(running.ws)  # a mention escaped twice reads as `<@U0004>`, pings nobody
        assert running.emulator.mentions_planted or not shown_literally, "\n".join(shown_literally)


@asynccontextmanager
async def running_on(clock: Any, folder: Any, *, config: Config | None = None) -> AsyncIterator[Bot]:
    """A bot on SQLite in `folder` whose clock moves only when the test moves it (the test ticks, too)."""
    from bot.runtime.server import ServerOptions

    options = ServerOptions(clock=clock, poll_s=0.05, tick_s=0)
    async with running_bot(f"sqlite:///{folder / 's.db'}", config=config, options=options) as running:
        yield running


def seen(bot: Bot, channel_id: str) -> list[str]:
    return bot.seen(channel_id)


def card_text(bot: Bot, channel_id: str) -> str:
    """The pinned incident card, as a person reads it."""
    from bot.tryout.emulator import render_message

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


async def opened_view(bot: Bot, title: str) -> str:
    return await bot.opened_view(title)


async def post_alert(
    bot: Bot, source: str, body: Any, *, token: str | None = ALERT_TOKEN, raw: bytes | None = None
) -> tuple[int, Any]:
    return await bot.post_alert(source, body, token=token, raw=raw)
