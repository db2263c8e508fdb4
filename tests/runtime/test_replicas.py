"""Real `sevbot serve` processes: killed with SIGKILL while a reminder is pending and restarted, the reminder
comes exactly once; two replicas on one PostgreSQL make one incident per model and send each reminder once,
whichever replica receives what."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from bot.tryout.emulator import SlackEmulator
from bot.tryout.emulator.driver import SlackDriver
from bot.tryout.emulator.sandbox import ALERT_TOKEN, SIGNING_SECRET
from bot.tryout.emulator.webhooks import am_alert, am_payload
from tests.harness import CONFIG, make_emulator
from tests.serving.platforms import free_port


class Replica:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "PORT": str(self.port)}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: ASYNC220 (a handle to kill -9; started in microseconds)
                [sys.executable, "-m", "bot", "serve"], env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                assert self.process.poll() is None, self.log.read_text()[-3000:]
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.url}/readyz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise TimeoutError(self.log.read_text()[-3000:])

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve_env(emulator: SlackEmulator, folder: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a `sevbot serve` process under test: the emulator as Slack, `folder/sevbot.yml`, loopback;
    `extra` adds or overrides variables (`SEVBOT_TICK_S="0.3"`)."""
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": emulator.workspace.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": database_url,
        "SEVBOT_CONFIG": str(folder / "sevbot.yml"),
        "SEVBOT_ALERT_TOKEN": ALERT_TOKEN,
        "HOST": "127.0.0.1",
        **extra,
    }


@contextlib.asynccontextmanager
async def deployment(
    database_url: str, folder: Path, *, update_every: str
) -> AsyncIterator[tuple[SlackEmulator, dict[str, str]]]:
    emulator = make_emulator()
    await emulator.start()
    config: dict[str, Any] = json.loads(json.dumps(CONFIG))
    config["severities"] = {"SEV1": {"update_every": update_every}, "SEV2": {"update_every": update_every}}
    (folder / "sevbot.yml").write_text(yaml.safe_dump(config))
    env = serve_env(emulator, folder, database_url, SEVBOT_TICK_S="0.3")
    try:
        yield emulator, env
    finally:
        await emulator.stop()


def _reminders(emulator: SlackEmulator) -> dict[str, int]:
    prefix = "inc-"
    return {
        c.name: sum(":alarm_clock:" in m.text or ":alarm_clock:" in json.dumps(m.blocks) for m in c.messages)
        for c in emulator.workspace.channels.values()
        if c.name.startswith(prefix)
    }


async def _until(predicate: Any, within: float = 30.0, *, state: Any = None) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"the condition did not come true in time: {state() if state else ''}")


async def test_sigkill_while_a_reminder_is_pending_then_exactly_once(tmp_path: Path) -> None:
    async with deployment(f"sqlite:///{tmp_path / 'sevbot.db'}", tmp_path, update_every="10s") as (emulator, env):
        replica = Replica(env, tmp_path / "bot.log")
        await replica.start()
        try:
            async with aiohttp.ClientSession() as http:
                driver = SlackDriver(emulator, bot_url=replica.url, signing_secret=SIGNING_SECRET, http=http)
                general = emulator.workspace.channel_named("general").id
                emulator.fail("bookmarks.add", "timeout", hang_s=60)  # so a row is in flight when the process dies
                await driver.slash("U0002", general, "declare sev1 cv-detector mAP collapsed")
                declared = time.monotonic()
                await _until(lambda: _reminders(emulator) and any(c.pins for c in emulator.workspace.channels.values()))
                await _until(lambda: bool(emulator.calls_to("bookmarks.add")))
            replica.kill()  # the reminder is due in 10 s; nothing of it was sent, and the channel's row was in flight
            assert sum(_reminders(emulator).values()) == 0
            await asyncio.sleep(max(0.0, declared + 11 - time.monotonic()))  # it falls due while nobody runs
            await replica.start()
            await _until(lambda: sum(_reminders(emulator).values()) >= 1, within=15)
            await asyncio.sleep(max(0.0, 3 - (time.monotonic() - declared - 11)))  # well short of the next interval
            assert list(_reminders(emulator).values()) == [1]
            channel = next(c for c in emulator.workspace.channels.values() if c.name.startswith("inc-"))
            assert len(channel.bookmarks) == 2 and len(channel.pins) == 1  # the row in flight was taken up again
        finally:
            replica.stop()


@pytest.mark.postgres
async def test_two_replicas_one_incident_per_model_and_each_reminder_once(postgres_url: str, tmp_path: Path) -> None:
    async with deployment(postgres_url, tmp_path, update_every="8s") as (emulator, env):
        replicas = [Replica(env, tmp_path / f"bot{n}.log") for n in (1, 2)]
        await replicas[0].start()  # the first applies the migrations
        await replicas[1].start()
        try:
            async with aiohttp.ClientSession() as http:
                headers = {"Authorization": f"Bearer {ALERT_TOKEN}"}

                async def send(n: int) -> int:
                    model = ("cv-detector", "ranker")[n % 2]
                    body = am_payload(*[am_alert(f"cam-{n}-{k}", 0.3, model=model) for k in range(6)])
                    url = f"{replicas[n % 2 if n % 4 < 2 else 1 - n % 2].url}/alerts/alertmanager"
                    async with http.post(url, json=body, headers=headers) as response:
                        return response.status

                statuses = await asyncio.gather(*(send(n) for n in range(40)))
                assert set(statuses) == {202}
                started = time.monotonic()
                await _until(
                    lambda: (
                        len(_reminders(emulator)) == 2
                        and all(c.pins for c in emulator.workspace.channels.values() if c.name.startswith("inc-"))
                    ),
                    state=lambda: (
                        [(c.name, len(c.pins)) for c in emulator.workspace.channels.values()],
                        replicas[0].log.read_text()[-2000:],
                        replicas[1].log.read_text()[-2000:],
                    ),
                )
                await _until(
                    lambda: all(v >= 1 for v in _reminders(emulator).values()),
                    within=20,
                    state=lambda: [
                        (c.name, [m.text[:80] for m in c.messages])
                        for c in emulator.workspace.channels.values()
                        if c.name.startswith("inc-")
                    ],
                )
                await asyncio.sleep(max(0.0, 4 - (time.monotonic() - started - 8)))
            assert sorted(_reminders(emulator)) == sorted(
                c.name for c in emulator.workspace.channels.values() if c.name.startswith("inc-")
            )
            assert len(_reminders(emulator)) == 2  # one incident (and one channel) per model
            assert list(_reminders(emulator).values()) == [1, 1]  # each reminder once, whoever ticked first
            created = [c for c in emulator.calls_to("conversations.create", ok=True)]
            assert len(created) == 2
        finally:
            for replica in replicas:
                replica.stop()


async def test_kill_9_rounds_with_posts_in_flight_post_nothing_twice(tmp_path: Path) -> None:
    """Each round declares two incidents and kills the process while their Slack work is in flight (every call takes
    0.3 s; Slack applies a call whose caller died). After the rounds every incident is complete, and no message is
    posted twice: what a killed try posted is found by its metadata key and adopted."""
    async with deployment(f"sqlite:///{tmp_path / 'sevbot.db'}", tmp_path, update_every="1h") as (emulator, env):
        replica = Replica(env, tmp_path / "bot.log")
        await replica.start()
        emulator.latency_s = 0.3
        general = emulator.workspace.channel_named("general").id
        try:
            for round_ in range(4):
                async with aiohttp.ClientSession() as http:
                    driver = SlackDriver(emulator, bot_url=replica.url, signing_secret=SIGNING_SECRET, http=http)
                    for n in range(2):
                        await driver.slash("U0004", general, f"declare sev2 round {round_} case {n}")
                await asyncio.sleep(0.4 + 0.25 * round_)  # mid-way through a different step each round
                replica.kill()
                await replica.start()
            incidents = 8

            def complete() -> bool:
                channels = [c for c in emulator.workspace.channels.values() if c.name.startswith("inc-")]
                return len(channels) == incidents and all(len(c.pins) == 1 for c in channels)

            await _until(complete, within=60, state=lambda: replica.log.read_text()[-3000:])
            await asyncio.sleep(1.0)  # whatever is still queued (announcements, topics) goes out
            keys: dict[tuple[str, str], int] = {}
            for channel in emulator.workspace.channels.values():
                for message in channel.messages:
                    key = ((message.metadata or {}).get("event_payload") or {}).get("key")
                    if key:
                        keys[(channel.name, key)] = keys.get((channel.name, key), 0) + 1
            assert [k for k, n in keys.items() if n > 1] == []
            announced = emulator.workspace.channel_named("incidents").messages
            assert len(announced) == incidents, [m.text[:60] for m in announced]
        finally:
            replica.stop()
