"""`/incident verify` against a real Prometheus scraping the detector's mAP: recovered, not recovered, and
inconclusive when the query has no data."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path

from bot.config import parse_config
from tests.alerts.test_prometheus_e2e import _binaries, detector_metrics, monitoring  # noqa: F401
from tests.harness import CONFIG, running_bot


async def test_verify_reads_the_slo_from_prometheus(tmp_path: Path) -> None:
    values = {f"cam-{n}": 0.62 for n in range(4)}
    async with detector_metrics(values) as metrics_port:
        config = copy.deepcopy(CONFIG)
        async with running_bot(f"sqlite:///{tmp_path / 'sevbot.db'}", config=parse_config(config)) as probe:
            bot_url = probe.url  # Alertmanager needs somewhere to post; this bot only lends its address
        with monitoring(tmp_path, metrics_port=metrics_port, bot_url=bot_url) as prom_port:
            model = config["models"]["cv-detector"]
            model["slos"] = {"map": {"min": 0.55, "window": "8s"}, "latency_p95_ms": {"max": 120, "window": "8s"}}
            model["metrics"] = {
                "backend": "prometheus",
                "url": f"http://127.0.0.1:{prom_port}",
                "queries": {"map": 'avg(model_map{model="cv-detector"})', "latency_p95_ms": "no_such_metric"},
            }
            async with running_bot(f"sqlite:///{tmp_path / 'b.db'}", config=parse_config(config)) as bot:
                await bot.driver.slash("U0004", bot.channel("general").id, "declare sev2 cv-detector mAP dip")
                await bot.settled()
                channel = bot.incident_channels()[0].id
                await asyncio.sleep(16)  # Prometheus starting, then a window's worth of scrapes
                reply = await bot.driver.slash("U0004", channel, "verify")
                assert "Checking `cv-detector`'s SLOs" in reply.ephemeral_text
                await bot.settled()
                posted = bot.seen(channel)[-2]  # the verdicts, then their chart
                (chart,) = [m for m in bot.ws.channels[channel].messages if m.files]
                assert chart.files[0]["title"].startswith("cv-detector map, INC-1: ")
                assert "*Verification of `cv-detector`* (asked by @dave)" in posted
                assert "map 0.620 ≥ 0.55 for 8 s — recovered" in posted, posted
                assert (
                    "latency_p95_ms ≤ 120: inconclusive — no data in the window; missing data is never a pass" in posted
                )

                for camera in values:
                    values[camera] = 0.41
                await asyncio.sleep(3)
                await bot.driver.slash("U0004", channel, "verify cv-detector")
                await bot.settled()
                posted = bot.seen(channel)[-2]
                assert "map 0.410: " in posted and "of the last 8 s inside ≥ 0.55 — not recovered" in posted, posted
