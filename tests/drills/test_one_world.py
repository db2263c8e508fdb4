"""A drill is a world of its own (`bot.world`): every `/incident` subcommand of the registration table, and every
button its channel shows, played in a drill's channel with the model named as people read it in the brief
(`cv-detector`, also a real model here), reaches nothing real. The real world's serving platform, metrics store,
runbook endpoint, pager and ticket tracker are one stand-in that records any request; the deploy gate and the
version ledger are read from the database. The same stand-in hears a real incident's rollback, so the check can
fail."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import select

from bot.clock import ManualClock
from bot.config import parse_config
from bot.models import DeployFreeze, Notification, VersionMark
from bot.notify import Credentials
from bot.runtime.server import ServerOptions
from bot.tryout.emulator.state import Message
from commands import SUBCOMMANDS
from tests.drills.test_play import START, advance, drill_channel
from tests.harness import ALERT_TOKEN, CONFIG, Bot, eventually, running_bot

M = "cv-detector"  # the scenario's name for its model, and a real model of sevbot.yml
PLAYED: list[tuple[str, str]] = [  # every subcommand, in an order a drill could take; `help` etc. reach nothing
    ("ack", ""),
    ("role", "comms <@U0002>"),
    ("status", ""),
    ("update", "looking at the retrain"),
    ("note", "cameras 23-40 first"),
    ("hypothesis", "the retrain's dataset"),
    ("severity", "sev1 global"),
    ("rollback", M),
    ("fallback", f"{M} on"),
    ("canary", f"{M} 0"),
    ("review", f"{M} on"),
    ("scale", f"{M} 4"),
    ("restart", M),
    ("run", "restart-workers"),
    ("freeze", f"{M} hold the train"),
    ("unfreeze", M),
    ("page", ""),
    ("declare", f"sev1 {M} a real one"),
    ("catchup", ""),
    ("drill", "list"),
    ("verify", M),
    ("action", "write the step down"),
    ("list", ""),
    ("stats", ""),
    ("help", ""),
    ("resolve", "drilled"),
    ("postmortem", ""),
]


@pytest.fixture
async def bot(tmp_path: Path, real_platform: tuple[str, list[str]]) -> AsyncIterator[Bot]:
    url = real_platform[0]
    config: dict[str, Any] = copy.deepcopy(CONFIG)
    for model in config["models"].values():
        model["serving"] = {"backend": "http", "url": url}
    config["models"][M]["metrics"] = {"backend": "prometheus", "url": url, "queries": {"map": "avg(model_map)"}}
    config["models"][M]["actions"] = {
        "restart-workers": {"title": "Restart the workers", "kinds": ["quality", "serving"], "url": f"{url}/restart"}
    }
    config["freeze_deploys"] = ["SEV1", "SEV2", "SEV3"]
    config["integrations"] = {
        "pagerduty": {"events_url": f"{url}/v2/enqueue"},
        "jira": {"url": url, "project": "MLOPS"},
    }
    config["severities"] = {s: {"ticket": "jira", "page": ["pagerduty"]} for s in ("SEV1", "SEV2")}
    credentials = Credentials(
        pagerduty_routing_key=SecretStr("R0UTING"), jira_user="sevbot@example.com", jira_token=SecretStr("t")
    )
    options = ServerOptions(clock=ManualClock(START), poll_s=0.05, tick_s=0, credentials=credentials)
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config), options=options) as bot:
        yield bot


def _buttons(message: Message) -> list[str]:
    found = []
    for block in message.blocks:
        for element in [*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])]:
            if element.get("type") == "button":
                found.append(element["action_id"])
    return found


async def _press_everything(bot: Bot, user: str, channel: str, pressed: set[tuple[str, str]]) -> None:
    """Every button the channel shows `user` (the card's, a plan's Confirm, a countdown's) that was not pressed yet."""
    for ts in [m.ts for m in bot.ws.channels[channel].messages if m.ephemeral_to in (None, user)]:
        for action_id in _buttons(bot.ws.channels[channel].message(ts)):
            if (ts, action_id) in pressed or "cancel" in action_id:
                continue
            if action_id not in _buttons(bot.ws.channels[channel].message(ts)):
                continue  # an earlier click on the same message changed what it offers
            pressed.add((ts, action_id))
            await bot.driver.click(user, channel, ts, action_id)
            await bot.settled()


async def test_nothing_typed_or_clicked_in_a_drill_reaches_the_real_world(
    bot: Bot, real_platform: tuple[str, list[str]]
) -> None:
    assert {name for name, _ in PLAYED} == set(SUBCOMMANDS)  # a new subcommand is played here too
    clock = bot.services.clock
    assert isinstance(clock, ManualClock)
    await bot.driver.slash("U0004", bot.channel("general").id, "drill bad-retrain 60")
    await bot.settled()
    channel = drill_channel(bot).id
    pressed: set[tuple[str, str]] = set()
    answers: dict[str, str] = {}
    for name, args in PLAYED:
        reply = await bot.driver.slash("U0004", channel, f"{name} {args}".strip())
        answers[name] = reply.ephemeral_text
        await bot.settled()
        await _press_everything(bot, "U0004", channel, pressed)
        await advance(bot, clock, timedelta(minutes=1))  # countdowns, verifications and cadence fall due
    assert pressed, "the drill's channel showed no button"
    assert real_platform[1] == [], real_platform[
        1
    ]  # no serving platform, metrics store, runbook endpoint, pager or tracker
    async with bot.services.db.session_scope() as session:
        assert (await session.exec(select(DeployFreeze))).all() == []
        assert (await session.exec(select(VersionMark))).all() == []
        assert (await session.exec(select(Notification))).all() == []
    headers = {"Authorization": f"Bearer {ALERT_TOKEN}"}
    async with bot.driver.http.get(f"{bot.url}/deploys/{M}", headers=headers) as gate:
        assert gate.status == 200 and (await gate.json())["frozen"] is False
    # what people are told: the drill's service moved; the refused steps say why
    assert "simulated" in answers["rollback"] or "Asking" in answers["rollback"], answers["rollback"]
    assert "declares no real incident" in answers["declare"], answers["declare"]
    assert "is a drill: it pages nobody" in answers["page"], answers["page"]
    assert "freezes no real deploys" in answers["freeze"], answers["freeze"]
    other = await bot.driver.slash("U0004", channel, "rollback ranker")
    assert "reaches the drill's simulated `cv-detector` alone, never `ranker`" in other.ephemeral_text

    # the check can fail: a real incident's rollback asks the real platform
    await bot.driver.slash("U0004", bot.channel("general").id, f"declare sev2 {M} mAP down for real")
    await eventually(lambda: len(bot.incident_channels()) == 1, within=10)
    await bot.driver.slash("U0004", bot.incident_channels()[0].id, f"rollback {M}")
    await eventually(lambda: {"GET /models/cv-detector", "POST /v2/enqueue"} <= set(real_platform[1]), within=10)
