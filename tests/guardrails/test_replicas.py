"""Guardrails across processes: two `sevbot serve` replicas on one PostgreSQL open one incident for a breached canary
and freeze it once; a replica killed (-9) during the countdown is replaced, and the freeze still happens once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import yaml

from bot.tryout.emulator import SlackEmulator
from tests.harness import CONFIG, make_emulator
from tests.runtime.test_replicas import Replica, serve_env

FROZE = "canary traffic set to *0 %* (frozen)"


@contextlib.asynccontextmanager
async def guarded(database_url: str, folder: Path) -> AsyncIterator[tuple[SlackEmulator, dict[str, str]]]:
    emulator = make_emulator()
    await emulator.start()
    config: dict[str, Any] = json.loads(json.dumps(CONFIG))
    model = config["models"]["cv-detector"]
    model["serving"] = {
        "backend": "simulated",
        "versions": [
            {"version": "2.0.0", "created_at": "2026-11-01T09:00:00Z"},
            {"version": "2.1.0", "created_at": "2026-11-02T09:00:00Z"},
        ],
        "live": "2.0.0",
        "canary": {"version": "2.1.0", "percent": 5},  # each process's simulated service starts with the canary
        "quality": {"2.0.0": 0.62, "2.1.0": 0.57},
    }
    model["metrics"] = {"backend": "simulated"}
    model["guardrails"] = {"checks": {"map": {"max_drop": 0.01}}, "for": "2s", "action": "freeze", "countdown": "4s"}
    (folder / "sevbot.yml").write_text(yaml.safe_dump(config))
    env = serve_env(emulator, folder, database_url, SEVBOT_TICK_S="0.3")
    try:
        yield emulator, env
    finally:
        await emulator.stop()


def _incident_channels(emulator: SlackEmulator) -> list[Any]:
    return [c for c in emulator.workspace.channels.values() if c.name.startswith("inc-")]


def _said(emulator: SlackEmulator, *words: str) -> int:
    """Messages saying any of `words` (a countdown's message is edited once it runs out)."""
    return sum(any(w in m.text for w in words) for c in _incident_channels(emulator) for m in c.messages)


COUNTDOWN = ("I will freeze the canary", "The countdown ran out")


async def _until(predicate: Any, within: float, state: Any) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, state()
        await asyncio.sleep(0.1)


async def test_two_replicas_open_one_incident_and_freeze_once(postgres_url: str, tmp_path: Path) -> None:
    async with guarded(postgres_url, tmp_path) as (emulator, env):
        replicas = [Replica(env, tmp_path / f"bot{n}.log") for n in (1, 2)]
        await replicas[0].start()  # the first applies the migrations
        await replicas[1].start()
        try:
            await _until(
                lambda: _said(emulator, FROZE) >= 1,
                within=40,
                state=lambda: (
                    [(c.name, [m.text[:60] for m in c.messages]) for c in _incident_channels(emulator)]
                    + [replicas[0].log.read_text()[-1500:], replicas[1].log.read_text()[-1500:]]
                ),
            )
            await asyncio.sleep(3)  # both keep ticking: nothing more may happen
            assert len(_incident_channels(emulator)) == 1
            assert _said(emulator, *COUNTDOWN) == 1
            assert _said(emulator, FROZE) == 1
        finally:
            for replica in replicas:
                replica.stop()


async def test_kill_9_during_the_countdown_still_freezes_once(tmp_path: Path) -> None:
    async with guarded(f"sqlite:///{tmp_path / 'sevbot.db'}", tmp_path) as (emulator, env):
        first = Replica(env, tmp_path / "first.log")
        await first.start()
        await _until(
            lambda: _said(emulator, "I will freeze the canary") == 1,
            within=30,
            state=lambda: first.log.read_text()[-2000:],
        )
        first.kill()  # mid-countdown: the row is due in a few seconds, nobody runs it now
        assert _said(emulator, FROZE) == 0
        second = Replica(env, tmp_path / "second.log")
        await second.start()
        try:
            await _until(lambda: _said(emulator, FROZE) >= 1, within=30, state=lambda: second.log.read_text()[-2000:])
            await asyncio.sleep(2)
            assert _said(emulator, FROZE) == 1 and len(_incident_channels(emulator)) == 1
            assert _said(emulator, *COUNTDOWN) == 1
        finally:
            second.stop()
