"""The guardrail watch against a real Prometheus scraping per-version series of a canary: a breach must hold `for`,
consecutively, on the tick clock; a recovery restarts the count; missing data is neither; one incident per breached
canary, whose card names the guardrail, and the model's deploys frozen."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from sqlmodel import select

from bot.config import GuardrailCheck, parse_config
from bot.guardrails import Watch, judge
from bot.models import GuardrailState
from bot.runtime.server import ServerOptions
from bot.serving.simulated import SimulatedBackend
from tests.alerts.test_prometheus_e2e import _binaries, _port, monitoring  # noqa: F401
from tests.harness import CONFIG, card_text, running_bot, timeline


def test_each_rule_and_missing_data() -> None:
    drop = GuardrailCheck(max_drop=0.01)
    assert judge(drop, 0.60, 0.62).status == "breach" and judge(drop, 0.615, 0.62).status == "ok"
    assert judge(drop, None, 0.62).status == "unknown" and judge(drop, 0.5, None).status == "unknown"
    rise = GuardrailCheck(max_increase="10%")
    assert judge(rise, 111, 100).status == "breach" and judge(rise, 109, 100).status == "ok"
    assert judge(GuardrailCheck(max_increase=5), 106, 100).status == "breach"
    cap = GuardrailCheck(max=0.005)
    assert judge(cap, 0.006, None).status == "breach" and judge(cap, 0.004, None).status == "ok"


@asynccontextmanager
async def versions(values: dict[str, float]) -> AsyncIterator[int]:
    """An exporter with one mAP series per version, changeable while Prometheus scrapes it."""

    async def metrics(request: web.Request) -> web.Response:
        lines = ["# TYPE model_map gauge"]
        lines += [f'model_map{{model="cv-detector",version="{v}"}} {value}' for v, value in values.items()]
        return web.Response(text="\n".join(lines) + "\n")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = _port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield port
    finally:
        await runner.cleanup()


async def test_a_canary_breaching_its_guardrail_for_long_enough_opens_one_incident(tmp_path: Path) -> None:
    """Real time, short durations: Prometheus scrapes every second, the breach must hold 8 s."""
    values = {"2.0.0": 0.62, "2.1.0": 0.58}  # the canary 4 points below stable: over the 1-point guardrail
    async with versions(values) as metrics_port:
        config = copy.deepcopy(CONFIG)
        async with running_bot(f"sqlite:///{tmp_path / 'probe.db'}", config=parse_config(config)) as probe:
            bot_url = probe.url
        with monitoring(tmp_path, metrics_port=metrics_port, bot_url=bot_url) as prom_port:
            model = config["models"]["cv-detector"]
            model["serving"] = {"backend": "simulated", "canary": {"version": "2.1.0", "percent": 5}}
            model["metrics"] = {
                "backend": "prometheus",
                "url": f"http://127.0.0.1:{prom_port}",
                "queries": {"map": 'avg(model_map{model="cv-detector",version="$version"})'},
            }
            model["guardrails"] = {"checks": {"map": {"max_drop": 0.01}}, "for": "8s", "action": "none"}
            SimulatedBackend.reset(lambda: datetime.now(UTC))
            options = ServerOptions(poll_s=0.05, tick_s=0)  # ticked here, by hand
            async with running_bot(
                f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config), options=options
            ) as bot:
                watch: Watch = bot.services.guardrails
                for _ in range(40):  # Prometheus starting: until its first scrapes, the reading is unknown
                    assert await watch.tick() == []
                    async with bot.services.db.session_scope() as session:
                        (row,) = (await session.exec(select(GuardrailState))).all()
                    if row.status != "unknown":
                        break
                    assert row.breached_since is None  # missing data: never a breach
                    await asyncio.sleep(0.5)
                assert (row.status, row.canary, row.stable) == ("breach", "2.1.0", "2.0.0")  # counting from now
                assert (row.canary_value, row.stable_value) == (0.58, 0.62)
                await asyncio.sleep(3)
                assert await watch.tick() == []  # 3 s of 8
                values["2.1.0"] = 0.615  # recovers for a tick: the count restarts
                await asyncio.sleep(3)
                assert await watch.tick() == []
                values["2.1.0"] = 0.57
                await asyncio.sleep(3)
                assert await watch.tick() == []  # breached again: from here
                await asyncio.sleep(5)
                assert await watch.tick() == []  # 5 s: not yet, though 14 s have passed since the first breach
                await asyncio.sleep(4)
                assert await watch.tick() == [1]  # 9 s, consecutively
                assert await watch.tick() == []  # one incident per breached canary
                await bot.settled()
                (channel,) = bot.incident_channels()
                card = card_text(bot, channel.id)
                assert "*SEV3 · INC-1 · cv-detector canary 2.1.0: map guardrail breached*" in card
                assert (
                    "guardrail breached on canary `2.1.0` at 5 % of traffic: map 0.57 against 0.62 on `2.0.0`" in card
                )
                assert "below its line 0.61 since" in card
                assert "SEV3 while the canary has under half the traffic" in card
                assert "deploys frozen" in card
                kinds = [k for _, _, k, _ in await timeline(bot)]
                assert kinds.count("frozen") == 1
                headers = {"Authorization": "Bearer sandbox-alert-token"}
                async with bot.driver.http.get(f"{bot.url}/deploys/cv-detector", headers=headers) as r:
                    assert r.status == 423
                    assert "map guardrail breached on canary 2.1.0" in (await r.json())["reasons"][0]["why"]
