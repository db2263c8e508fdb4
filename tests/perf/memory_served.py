"""Memory as users meet it: a real `sevbot serve` process whose database remembers 10,000 past incidents, driven
from this one over signed HTTP. Each new incident is declared with `/incident declare` and the time is taken until
its pinned card names the past incident most like it (the recall runs after the ack, through the outbox), with the
bot's CPU time per incident from /proc. The first recall of a process also loads the index: reported apart.

    python tests/perf/memory_served.py [--past 10000] [--incidents 20]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.models import Incident, IncidentMemory
from bot.runtime.db import Database
from bot.runtime.migrate import upgrade_async
from bot.settings import to_async_url
from bot.tryout.emulator.driver import SlackDriver
from bot.tryout.emulator.sandbox import SIGNING_SECRET
from tests.harness import make_emulator
from tests.memory.labelled import load
from tests.perf.app_home import _cpu_s
from tests.perf.memory_lookup import _variant
from tests.perf.slack_side import BENCH_MODELS, bench_config, percentile
from tests.runtime.test_replicas import Replica, serve_env


async def seed(url: str, past: int) -> None:
    await upgrade_async(url)
    rng = random.Random(7)
    bases = list(load().index.docs.values())
    now = datetime.now(UTC)
    db = Database(url=to_async_url(url))
    try:
        for start in range(0, past, 1000):
            async with db.session_scope() as session:
                for n in range(start + 1, min(past, start + 1000) + 1):
                    r = replace(_variant(rng.choice(bases), n, rng), declared_at=now - timedelta(hours=n))
                    session.add(
                        Incident(
                            id=n,
                            severity="SEV2",
                            title=r.text[:80],
                            model=r.model,
                            declared_by="U0001",
                            declared_at=r.declared_at,
                            resolved_at=r.declared_at + timedelta(hours=1),
                            status="resolved",
                        )
                    )
                    session.add(
                        IncidentMemory(
                            incident_id=n,
                            declared_at=r.declared_at,
                            model=r.model,
                            kind=r.kind,
                            metric=r.metric,
                            slices=sorted(r.slices),
                            deploy_before=r.deploy_before,
                            drop=r.drop,
                            text=r.text,
                            updated_at=r.declared_at,
                        )
                    )
    finally:
        await db.dispose()


async def main(past: int, incidents: int) -> int:
    queries = [q for q, _ in load().queries]
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        url = f"sqlite:///{folder / 'memory.db'}"
        await seed(url, past)
        emulator = make_emulator()
        await emulator.start()
        (folder / "sevbot.yml").write_text(yaml.safe_dump(bench_config()))
        replica = Replica(serve_env(emulator, folder, url), folder / "bot.log")
        await replica.start()
        assert replica.process is not None
        pid = replica.process.pid
        waits, cpus = [], []
        try:
            async with aiohttp.ClientSession() as http:
                driver = SlackDriver(emulator, bot_url=replica.url, signing_secret=SIGNING_SECRET, http=http)
                general = emulator.workspace.channel_named("general").id
                for n in range(incidents + 1):
                    query = queries[n % len(queries)]
                    model = BENCH_MODELS[n]
                    cpu, started = _cpu_s(pid), time.perf_counter()
                    reply = await driver.slash("U0001", general, f"declare sev2 {model} {query.text[:150]}")
                    assert reply.status == 200, reply
                    while True:
                        cards = [
                            c.message(c.pins[0]).text + str(c.message(c.pins[0]).blocks)
                            for c in emulator.workspace.channels.values()
                            if c.name.startswith("inc-")
                            and c.pins
                            and f"`{model}`" in c.message(c.pins[0]).text + str(c.message(c.pins[0]).blocks)
                        ]
                        if cards and "Seen before" in cards[0]:
                            break
                        if time.perf_counter() - started > 60:
                            raise TimeoutError(replica.log.read_text()[-2000:])
                        await asyncio.sleep(0.005)
                    waits.append(time.perf_counter() - started)
                    cpus.append(_cpu_s(pid) - cpu)
                    await asyncio.sleep(0.3)
        finally:
            replica.stop()
            await emulator.stop()
    first_wait, first_cpu = waits.pop(0), cpus.pop(0)
    median_cpu = statistics.median(cpus) * 1000
    print(
        f"{past:,} past incidents, a real sevbot serve (SQLite): declare → the card names the most alike past "
        f"incident p50 {statistics.median(waits) * 1000:.0f} ms, p90 {percentile(waits, 90) * 1000:.0f} ms; bot CPU "
        f"per incident (the declaration, its channel and card, the recall) {median_cpu:.0f} ms median over "
        f"{incidents}; the first, loading the index: {first_wait * 1000:.0f} ms, {first_cpu * 1000:.0f} ms CPU"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--past", type=int, default=10_000)
    parser.add_argument("--incidents", type=int, default=20)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.past, args.incidents)))
