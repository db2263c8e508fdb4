"""A storm slows nobody: 5,000 alerts from a source sevbot.yml does not know (a feature store failing on 40 shards),
over 50 connections, to a real `sevbot serve` process (SQLite by default, or `--database-url` for PostgreSQL), while
every Slack Web API call takes 100 ms; meanwhile a person declares a SEV1.

Reports alerts/s and response p99 during the storm, and how long the SEV1 took to be ready (channel, pinned card,
topic, announcement) against the critical path create → post card → pin (3 calls, 300 ms), measured once before the
storm and once during it. Targets (issue 20): ≥ 1,500 alerts/s with p99 ≤ 100 ms, and the SEV1 during the storm
ready within 2× the path.

    python tests/perf/alert_storm.py [--alerts 5000] [--connections 50] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.tryout.emulator.driver import SlackDriver
from bot.tryout.emulator.sandbox import ALERT_TOKEN, SIGNING_SECRET
from tests.harness import make_emulator
from tests.perf.slack_side import CRITICAL_PATH_S, LATENCY_S, _declare_and_wait, bench_config, percentile, serve_env
from tests.runtime.test_replicas import Replica

SHARDS = 40
CHECKS = 10  # alerts per shard that differ (fingerprints: 400)


def _alert(n: int) -> dict[str, Any]:
    """Each shard names itself as the model (`feature-store-shard-07`): 40 models sevbot.yml does not know, 40 alert
    groups, gathered into a storm card."""
    shard, check = n % SHARDS, (n // SHARDS) % CHECKS
    return {
        "model": f"feature-store-shard-{shard:02d}",
        "name": "FeatureStoreErrors",
        "metric": "error_rate",
        "value": round(0.2 + n * 1e-6, 6),
        "threshold": 0.01,
        "fingerprint": f"fs-{shard:02d}-{check}",
        "labels": {"shard": f"shard-{shard:02d}", "check": f"c{check}", "kind": "serving"},
    }


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(total: int, connections: int, database_url: str | None) -> int:
    with tempfile.TemporaryDirectory() as folder:
        emulator = make_emulator()
        await emulator.start()
        config = bench_config()
        (Path(folder) / "sevbot.yml").write_text(yaml.safe_dump(config))
        env = serve_env(emulator, Path(folder), database_url or f"sqlite:///{Path(folder) / 'storm.db'}")
        replica = Replica(env, Path(folder) / "serve.log")
        await replica.start()
        timings: list[float] = []
        refused = 0
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections + 5)) as http:
                driver = SlackDriver(emulator, bot_url=replica.url, signing_secret=SIGNING_SECRET, http=http)
                await _declare_and_wait(driver, emulator, ["warm-up"])
                emulator.latency_s = LATENCY_S
                calm = await _declare_and_wait(driver, emulator, ["calm"])
                numbers = iter(range(total))
                headers = {"Authorization": f"Bearer {ALERT_TOKEN}", "Content-Type": "application/json"}
                url = f"{replica.url}/alerts/generic"

                async def client() -> None:
                    nonlocal refused
                    for n in numbers:
                        began = time.perf_counter()
                        async with http.post(url, data=json.dumps(_alert(n)), headers=headers) as response:
                            await response.read()
                            refused += response.status != 202
                        timings.append((time.perf_counter() - began) * 1000)

                async def person() -> float:
                    await asyncio.sleep(1.0)  # the storm is well under way
                    return await _declare_and_wait(driver, emulator, ["during-the-storm"])

                if os.environ.get("BENCH_PROFILE"):  # e.g. BENCH_PROFILE=/tmp/storm.txt: the bot's stacks, by py-spy
                    assert replica.process is not None
                    seconds = os.environ.get("BENCH_PROFILE_S", "3")
                    record = ["record", "--format", "raw", "--duration", seconds, "--pid", str(replica.process.pid)]
                    await asyncio.create_subprocess_exec("py-spy", *record, "-o", os.environ["BENCH_PROFILE"])
                assert replica.process is not None
                cpu = _cpu_seconds(replica.process.pid), time.process_time()
                wall = time.perf_counter()
                storm = asyncio.gather(*(client() for _ in range(connections)))
                during = await person()
                await storm
                wall = time.perf_counter() - wall
                bot_cpu = _cpu_seconds(replica.process.pid) - cpu[0]
                driver_cpu = time.process_time() - cpu[1]
        finally:
            replica.stop()
            await emulator.stop()
    rate, p99 = len(timings) / wall, percentile(timings, 99)
    kind = "PostgreSQL" if database_url else "SQLite"
    print(f"alert storm against a real `sevbot serve` ({kind}): {len(timings):,} alerts of an unconfigured source,")
    print(f"  {SHARDS} shards, {connections} connections, every Web API call at +{LATENCY_S * 1000:.0f} ms")
    p50 = percentile(timings, 50)
    print(f"  {rate:,.0f} alerts/s over {wall:.1f} s; p50={p50:.1f} ms p99={p99:.1f} ms; refused {refused}")
    print(
        f"  CPU busy during the storm: the bot {bot_cpu / wall:.0%}, this driver (clients and fake Slack) "
        f"{driver_cpu / wall:.0%} (of one core each; the machine has {os.cpu_count()})"
    )
    print(f"  a SEV1 before the storm: ready in {calm * 1000:.0f} ms = {calm / CRITICAL_PATH_S:.2f}× the path")
    print(f"  a SEV1 during the storm: ready in {during * 1000:.0f} ms = {during / CRITICAL_PATH_S:.2f}× the path")
    checks = [
        ("≥ 1,500 alerts/s", rate >= 1500),
        ("p99 ≤ 100 ms", p99 <= 100),
        ("SEV1 during the storm ≤ 2× the path", during <= 2 * CRITICAL_PATH_S),
        ("nothing refused", refused == 0),
    ]
    print("  " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in checks))
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.alerts, args.connections, args.database_url)))
