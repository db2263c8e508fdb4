"""A running bot against a running Slack emulator, for scenario tests, benchmarks and the demo's checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.config import Config, parse_config
from bot.emulator import SlackEmulator
from bot.emulator.sandbox import TOKEN, Sandbox, eventually, sandbox
from bot.server import ServerOptions

__all__ = ["CONFIG", "Bot", "eventually", "make_emulator", "running_bot"]

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
) -> AsyncIterator[Bot]:
    async with sandbox(
        database_url=database_url,
        config=config or parse_config(CONFIG),
        emulator=emulator or make_emulator(),
        options=options,
    ) as running:
        yield running


def seen(bot: Bot, channel_id: str) -> list[str]:
    return bot.seen(channel_id)


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


async def opened_view(bot: Bot, title: str) -> str:
    return await bot.opened_view(title)


ALERT_TOKEN = "sandbox-alert-token"


async def post_alert(
    bot: Bot, source: str, body: Any, *, token: str | None = ALERT_TOKEN, raw: bytes | None = None
) -> tuple[int, Any]:
    import io
    import json

    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else json.dumps(body).encode()
    async with bot.driver.http.post(f"{bot.url}/alerts/{source}", data=io.BytesIO(data), headers=headers) as response:
        text = await response.text()
        return response.status, (json.loads(text) if text.startswith("{") else text)


def am_alert(
    camera: str,
    value: float,
    *,
    status: str = "firing",
    model: str = "cv-detector",
    total: int = 10,
    **annotations: str,
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "ModelMapBelowSLO", "model": model, "metric": "map", "camera": camera},
        "annotations": {"value": str(value), "threshold": "0.55", "slices_total": str(total), **annotations},
        "startsAt": "2026-11-22T03:05:00Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example/graph?g0.expr=model_map",
        "fingerprint": f"fp-{model}-{camera}",
    }


def am_payload(*alerts: dict[str, Any]) -> dict[str, Any]:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {
        "version": "4",
        "status": status,
        "receiver": "sevbot",
        "groupKey": '{}:{model="cv-detector"}',
        "groupLabels": {"model": "cv-detector"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": list(alerts),
    }
