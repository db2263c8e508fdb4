"""Alert ingest under load: 10,000 alerts over 200 fingerprints on 20 models, from 16 concurrent clients, while
every Slack Web API call takes 300 ms. The bot is a real `sevbot serve` process (SQLite); the emulator and the
clients share this one.

Reports alerts/s, p50/p99 response time, incidents created (must be ≤ 20: one per model at most) and alerts lost
(must be 0: every fingerprint's stored value is the last one sent). Target: ≥ 1,000 alerts/s, p99 < 100 ms.

    python tests/perf/alert_ingest.py [--alerts 10000] [--clients 16] [--per-request 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.harness import make_emulator

MODELS = 20
FINGERPRINTS = 200
TOKEN = "bench-alert-token"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _alert(n: int) -> dict[str, object]:
    fingerprint = n % FINGERPRINTS
    model = fingerprint % MODELS
    return {
        "model": f"model-{model:02d}",
        "name": "MapBelowSLO",
        "metric": "map",
        "value": round(0.30 + n * 1e-6, 6),
        "fingerprint": f"fp-{fingerprint:03d}",
        "labels": {"camera": f"cam-{fingerprint:03d}"},
        "slices_total": 10,
    }


async def main(total: int, clients: int, per_request: int) -> int:
    emulator = make_emulator()
    await emulator.start()
    folder = Path(tempfile.mkdtemp(prefix="sevbot-bench-"))
    config = {
        "channels": {"alerts": "ml-alerts", "announcements": "incidents"},
        "models": {
            f"model-{m:02d}": {
                "serving": {"backend": "http", "url": "http://127.0.0.1:9"},
                "slos": {"map": {"min": 0.55}},
                "owners": ["U0003"],
            }
            for m in range(MODELS)
        },
    }
    (folder / "sevbot.yml").write_text(yaml.safe_dump(config))
    port = _port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": emulator.workspace.bot_token,
        "SLACK_SIGNING_SECRET": "bench",
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{folder / 'sevbot.db'}",
        "SEVBOT_CONFIG": str(folder / "sevbot.yml"),
        "SEVBOT_ALERT_TOKEN": TOKEN,
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    with (folder / "bot.log").open("w") as log:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", env=env, stdout=subprocess.DEVNULL, stderr=log
        )
    url = f"http://127.0.0.1:{port}/alerts/generic"
    timings: list[float] = []
    failures = 0
    last_value: dict[str, float] = {}
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:
            for _ in range(300):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/readyz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            emulator.latency_s = 0.3
            if os.environ.get("BENCH_PROFILE"):  # e.g. BENCH_PROFILE=/tmp/ingest.txt: the bot's stacks, by py-spy
                profile = ["record", "--format", "raw", "--duration", "8", "--pid", str(bot.pid)]
                await asyncio.create_subprocess_exec(
                    "py-spy", *profile, "-o", os.environ["BENCH_PROFILE"], stdout=subprocess.DEVNULL
                )
            numbers = iter(range(0, total, per_request))
            headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

            async def client() -> None:
                nonlocal failures
                for start in numbers:
                    batch = [_alert(n) for n in range(start, min(start + per_request, total))]
                    body = json.dumps({"alerts": batch})
                    began = time.perf_counter()
                    async with http.post(url, data=body, headers=headers) as response:
                        await response.read()
                        ok = response.status == 202
                    timings.append((time.perf_counter() - began) * 1000)
                    if ok:
                        for alert in batch:
                            last_value[str(alert["fingerprint"])] = float(alert["value"])  # type: ignore[arg-type]
                    else:
                        failures += 1

            calls_before = len(emulator.calls)
            wall = time.perf_counter()
            await asyncio.gather(*(client() for _ in range(clients)))
            wall = time.perf_counter() - wall
            slack_calls = len(emulator.calls) - calls_before
    finally:
        bot.terminate()
        await asyncio.wait_for(bot.wait(), timeout=30)
        await emulator.stop()
    db = sqlite3.connect(folder / "sevbot.db")
    stored = dict(db.execute("SELECT fingerprint, value FROM alerts").fetchall())
    incidents = db.execute("SELECT count(*) FROM incidents").fetchone()[0]
    per_model = db.execute("SELECT max(n) FROM (SELECT count(*) n FROM incidents GROUP BY model)").fetchone()[0]
    lost = sum(1 for fp, value in last_value.items() if stored.get(fp) != value) + failures * per_request
    sent = len(timings) * per_request
    rate = sent / wall
    p50, p99 = percentile(timings, 50), percentile(timings, 99)
    print(
        f"alert ingest: {sent:,} alerts ({per_request} per request) over {len(stored)} fingerprints "
        f"on {MODELS} models, {clients} clients, Slack at +300 ms per call"
    )
    print(
        f"  {rate:,.0f} alerts/s over {wall:.1f} s; "
        f"response p50={p50:.1f} ms p99={p99:.1f} ms max={max(timings):.1f} ms"
    )
    print(
        f"  incidents created: {incidents} (most for one model: {per_model}); alerts lost: {lost}; "
        f"refused: {failures}; Slack Web API calls meanwhile: {slack_calls}"
    )
    checks = {
        "≥ 1,000 alerts/s": rate >= 1000,
        "p99 < 100 ms": p99 < 100,
        "≤ 20 incidents": incidents <= MODELS,
        "0 lost": lost == 0,
    }
    print("  " + "; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in checks.items()))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--per-request", type=int, default=1)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.alerts, args.clients, args.per_request)))
