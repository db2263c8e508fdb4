"""A deploy service that is slow to answer, through the `http` backend, from Slack: the action is bounded by
`timeout_s`, fails with a clear message and a `failed` timeline event, and what is live is looked up rather than
assumed. Fallback, canary and review run through the same Slack path as rollback."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.config import parse_config
from tests.harness import CONFIG, Bot, running_bot, timeline
from tests.serving.platforms import serve_app


@pytest.fixture
async def service() -> AsyncIterator[tuple[str, dict[str, Any]]]:
    state: dict[str, Any] = {
        "live": "2.0.0",
        "previous": "1.8.2",
        "versions": [{"version": "1.8.2"}, {"version": "2.0.0"}],
        "fallback": False,
        "canary_percent": 20,
        "review": False,
        "slow": False,
    }

    async def get(request: web.Request) -> web.Response:
        return web.json_response(state)

    async def move(request: web.Request) -> web.Response:
        body = await request.json()
        if state["slow"]:
            await asyncio.sleep(3)
            return web.json_response(state)  # too late: sevbot gave up, and nothing moved
        name = request.match_info["move"]
        if name == "canary":
            state["canary_percent"] = body["percent"]
        else:
            state[name] = body["on"]
        return web.json_response(state)

    app = web.Application()
    app.router.add_get("/models/{model}", get)
    app.router.add_post("/models/{model}/{move}", move)
    async with serve_app(app) as url:
        yield url, state


@pytest.fixture
async def bot(service: tuple[str, dict[str, Any]], tmp_path: Path) -> AsyncIterator[Bot]:
    config = copy.deepcopy(CONFIG)
    config["models"]["ranker"]["serving"] = {"backend": "http", "url": service[0], "timeout_s": 1}
    async with running_bot(f"sqlite:///{tmp_path / 'sevbot.db'}", config=parse_config(config)) as running:
        yield running


async def _confirm(bot: Bot, channel: str, user: str, command: str) -> None:
    await bot.driver.slash(user, channel, command)
    await bot.settled()
    plan = [m for m in bot.ws.channels[channel].messages if m.ephemeral_to == user and "Confirm" in str(m.blocks)][-1]
    await bot.driver.click(user, channel, plan.ts, "action_confirm")
    await bot.settled()


async def test_fallback_canary_and_review_from_slack(bot: Bot, service: tuple[str, dict[str, Any]]) -> None:
    _, state = service
    await bot.driver.slash("U0002", bot.channel("general").id, "declare sev3 ranker CTR down in eu-west")
    await bot.settled()
    channel = bot.incident_channels()[0].id
    await _confirm(bot, channel, "U0002", "fallback ranker on")
    await _confirm(bot, channel, "U0002", "canary ranker 0")
    await _confirm(bot, channel, "U0002", "review ranker on")
    assert (state["fallback"], state["canary_percent"], state["review"]) == (True, 0, True)
    posted = "\n".join(bot.seen(channel))
    assert ":twisted_rightwards_arrows: `ranker` now serves its fallback on the deploy service (by @bob)." in posted
    assert ":vertical_traffic_light: `ranker` canary traffic set to *0 %* (frozen) on the deploy service" in posted
    assert ":eyes: `ranker`'s low-confidence predictions now go to human review (by @bob)." in posted


async def test_a_slow_platform_fails_plainly_within_the_timeout(bot: Bot, service: tuple[str, dict[str, Any]]) -> None:
    _, state = service
    await bot.driver.slash("U0002", bot.channel("general").id, "declare sev2 ranker CTR down in eu-west")
    await bot.settled()
    channel = bot.incident_channels()[0].id
    state["slow"] = True
    await _confirm(bot, channel, "U0002", "fallback ranker")
    assert state["fallback"] is False
    actions = [d for _, _, kind, d in await timeline(bot) if kind == "action"]
    assert [(a["status"], a["error"]) for a in actions] == [("failed", "fallback: no answer within 1 s")]
    posted = "\n".join(bot.seen(channel))
    assert ":x: Fallback of `ranker` failed on the deploy service: fallback: no answer within 1 s." in posted
    assert "2.0.0 is still live; it can be tried again." in posted
