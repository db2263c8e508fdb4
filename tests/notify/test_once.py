"""Once, across processes: a `sevbot serve` killed (-9) after the page was recorded and sent but before PagerDuty's
answer came back pages once after its restart; two replicas on one PostgreSQL page once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import yaml

from bot.tryout.emulator import SlackEmulator
from bot.tryout.emulator.sandbox import ALERT_TOKEN
from tests.harness import make_emulator
from tests.notify.conftest import ROUTING_KEY, StandIns, notify_config
from tests.runtime.test_replicas import Replica, serve_env

SEV1_ALERT = {
    "model": "cv-detector",
    "name": "DetectorErrors",
    "metric": "error_rate",
    "failure_rate": 0.9,
    "summary": "90 % of detector requests fail",
}


@contextlib.asynccontextmanager
async def paging(
    database_url: str, folder: Path, stand_ins: StandIns
) -> AsyncIterator[tuple[SlackEmulator, dict[str, str]]]:
    emulator = make_emulator()
    await emulator.start()
    config: dict[str, Any] = notify_config(stand_ins, None)
    config["severities"] = {}
    config["integrations"].pop("jira")
    (folder / "sevbot.yml").write_text(yaml.safe_dump(config))
    env = serve_env(emulator, folder, database_url, PAGERDUTY_ROUTING_KEY=ROUTING_KEY)
    try:
        yield emulator, env
    finally:
        await emulator.stop()


async def _alert(replica: Replica) -> None:
    import aiohttp

    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{replica.url}/alerts/generic", json=SEV1_ALERT, headers={"Authorization": f"Bearer {ALERT_TOKEN}"}
        ) as response,
    ):
        assert response.status == 202, await response.text()


async def _until(predicate: Any, within: float, state: Any) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, state()
        await asyncio.sleep(0.05)


def _triggers(stand_ins: StandIns) -> list[Any]:
    return [c for c in stand_ins.pagerduty.calls if c.body and c.body.get("event_action") == "trigger"]


async def test_kill_9_before_pagerdutys_answer_pages_once_after_restart(tmp_path: Path, stand_ins: StandIns) -> None:
    pd = stand_ins.pagerduty
    async with paging(f"sqlite:///{tmp_path / 'sevbot.db'}", tmp_path, stand_ins) as (_, env):
        pd.hang_next(5.0)  # PagerDuty takes the page, and answers only after the process is gone
        first = Replica(env, tmp_path / "first.log")
        await first.start()
        await _alert(first)
        await _until(lambda: len(pd.calls) >= 1, within=20, state=lambda: first.log.read_text()[-2000:])
        first.kill()
        await _until(lambda: len(pd.pages) == 1, within=10, state=lambda: pd.calls)  # PagerDuty did get it
        second = Replica(env, tmp_path / "second.log")
        await second.start()
        try:
            await _until(
                lambda: len(_triggers(stand_ins)) >= 2, within=30, state=lambda: second.log.read_text()[-2000:]
            )
            await asyncio.sleep(1.5)
            (page,) = pd.pages.values()
            assert page["status"] == "triggered"  # the retry carried the same dedup key: one page, not two
            assert len({c.body["dedup_key"] for c in _triggers(stand_ins)}) == 1
        finally:
            second.stop()


async def test_two_replicas_page_once(postgres_url: str, tmp_path: Path, stand_ins: StandIns) -> None:
    pd = stand_ins.pagerduty
    pd.hang_next(0.5, times=3)  # a slow PagerDuty: the row stays in flight while the other replica looks
    async with paging(postgres_url, tmp_path, stand_ins) as (emulator, env):
        replicas = [Replica(env, tmp_path / f"bot{n}.log") for n in (1, 2)]
        await replicas[0].start()
        await replicas[1].start()
        try:
            await _alert(replicas[0])
            await _until(lambda: len(pd.pages) == 1, within=30, state=lambda: replicas[0].log.read_text()[-1500:])
            await _until(
                lambda: any(c.name.startswith("inc-") for c in emulator.workspace.channels.values()),
                within=30,
                state=lambda: replicas[1].log.read_text()[-1500:],
            )
            await asyncio.sleep(3)  # both keep working: nothing more may be sent
            first_tries = [
                c for c in _triggers(stand_ins) if not any(link["text"] == "Slack" for link in c.body.get("links", []))
            ]
            assert len(first_tries) == 1, [c.body for c in _triggers(stand_ins)]
            assert len(_triggers(stand_ins)) == 2  # the page, then once the channel's link
            assert len(pd.pages) == 1
        finally:
            for replica in replicas:
                replica.stop()
