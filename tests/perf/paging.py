"""How soon a SEV1 pages, against a real `sevbot serve` process driven from this one: the time from an alert's POST
to PagerDuty (a local stand-in in this process) receiving the trigger, while Slack is healthy (every Web API call
at +100 ms) and while Slack is down (every call answered 500). A Slack outage must not delay a page: the goal is a
median page under down Slack within 1.5× of the median under healthy Slack.

    python tests/perf/paging.py [--incidents 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.tryout.emulator.sandbox import ALERT_TOKEN
from bot.tryout.integrations import PagerDutyStandIn
from tests.harness import make_emulator
from tests.perf.slack_side import BENCH_MODELS, bench_config, percentile, serve_env
from tests.runtime.test_replicas import Replica

ROUTING_KEY = "bench-routing-key"
SLACK_METHODS = (
    "conversations.create",
    "conversations.list",
    "conversations.invite",
    "conversations.setTopic",
    "chat.postMessage",
    "chat.update",
    "pins.add",
    "bookmarks.add",
    "auth.test",
    "users.info",
)


def _alert(model: str) -> dict[str, Any]:
    return {"model": model, "name": "ErrorsHigh", "metric": "error_rate", "failure_rate": 0.9, "summary": "90 % fail"}


async def _run(folder: Path, *, incidents: int, slack_down: bool) -> list[float]:
    emulator = make_emulator()
    emulator.latency_s = 0.1
    await emulator.start()
    pd = PagerDutyStandIn(routing_key=ROUTING_KEY)
    await pd.start()
    config = bench_config()
    config["integrations"] = {"pagerduty": {"events_url": f"{pd.url}/v2/enqueue"}}
    config["triage"] = {"storm_groups": 1000}  # one incident after another, each its own page (not a storm card)
    (folder / "sevbot.yml").write_text(yaml.safe_dump(config))
    env = {**serve_env(emulator, folder, f"sqlite:///{folder / 'sevbot.db'}"), "PAGERDUTY_ROUTING_KEY": ROUTING_KEY}
    replica = Replica(env, folder / "bot.log")
    await replica.start()
    if slack_down:
        for method in SLACK_METHODS:
            emulator.fail(method, "server_error", times=1_000_000)
    waits: list[float] = []
    try:
        async with aiohttp.ClientSession() as http:
            for model in BENCH_MODELS[:incidents]:
                before = len(pd.pages)
                started = time.perf_counter()
                async with http.post(
                    f"{replica.url}/alerts/generic",
                    json=_alert(model),
                    headers={"Authorization": f"Bearer {ALERT_TOKEN}"},
                ) as response:
                    answer = await response.json()
                    assert response.status == 202 and answer["declared"], answer
                while len(pd.pages) == before:
                    if time.perf_counter() - started > 30:
                        raise TimeoutError(replica.log.read_text()[-2000:])
                    await asyncio.sleep(0.002)
                waits.append(time.perf_counter() - started)
                await asyncio.sleep(0.2)  # one incident at a time, as pages come at night
    finally:
        replica.stop()
        await pd.stop()
        await emulator.stop()
    return waits


async def main(incidents: int) -> int:
    results: dict[str, list[float]] = {}
    for slack_down in (False, True, False, True):  # interleaved: the machine's speed drifts
        with tempfile.TemporaryDirectory() as folder:
            name = "Slack down" if slack_down else "Slack healthy"
            results.setdefault(name, []).extend(await _run(Path(folder), incidents=incidents, slack_down=slack_down))
    for name, waits in results.items():
        print(
            f"{name:14s}: alert → page p50 {statistics.median(waits) * 1000:6.1f} ms, "
            f"p90 {percentile(waits, 90) * 1000:6.1f} ms, max {max(waits) * 1000:6.1f} ms ({len(waits)} incidents)"
        )
    ratio = statistics.median(results["Slack down"]) / statistics.median(results["Slack healthy"])
    print(f"Slack down / healthy, median: {ratio:.2f}× (goal ≤ 1.5×: {'met' if ratio <= 1.5 else 'MISSED'})")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=20)
    raise SystemExit(asyncio.run(main(parser.parse_args().incidents)))
