"""The sandbox's menu starts the second act's canary (2.1.0 at 5 %), which its guardrail watch then reads."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from tests.tryout.test_sandbox_browser import running_sandbox


async def test_the_menu_starts_a_canary(tmp_path: Path) -> None:
    async with running_sandbox(tmp_path) as url, aiohttp.ClientSession() as http:
        async with http.get(f"{url}sandbox/state") as response:
            listed = {s["id"] for s in (await response.json())["scenarios"]}
        assert "cv-canary" in listed
        async with http.post(f"{url}sandbox/alert/cv-canary") as response:
            assert response.status == 200
            assert (await response.json())["answer"] == {"canary": "2.1.0", "percent": 5}


async def test_a_sev1_declared_in_the_sandbox_pages_its_pagerduty(tmp_path: Path) -> None:
    """The sandbox has the demo's PagerDuty and Jira: the sidebar says what they received."""
    async with running_sandbox(tmp_path) as url, aiohttp.ClientSession() as http:
        async with http.get(f"{url}sandbox/state") as response:
            state = await response.json()
        general = next(c["id"] for c in state["channels"] if c["name"] == "general")
        body = {"user": "U0004", "channel": general, "text": "/incident declare sev1 cv-detector detector down"}
        async with http.post(f"{url}sandbox/slash", json=body) as response:
            assert response.status == 200
            answered = await response.json()
        told: list[str] = []
        for _ in range(100):
            async with http.get(f"{url}sandbox/state") as response:
                told = (await response.json())["beyond"]
            if any("pages the on-call" in line for line in told):
                break
            await asyncio.sleep(0.1)
        pages = [line for line in told if line.startswith("PagerDuty ← sevbot pages the on-call: [SEV1] INC-1")]
        assert pages, (told, answered)


async def test_the_menu_starts_a_drill_that_opens_its_channel_and_pages_nobody(tmp_path: Path) -> None:
    async with running_sandbox(tmp_path) as url, aiohttp.ClientSession() as http:
        async with http.get(f"{url}sandbox/state") as response:
            listed = {s["id"]: s["label"] for s in (await response.json())["scenarios"]}
        assert listed["drill-bad-retrain"] == "Drill: A retrain that regressed everywhere (10× speed)"
        async with http.post(f"{url}sandbox/alert/drill-bad-retrain") as response:
            assert response.status == 200
            assert "is starting at 10× speed" in (await response.json())["answer"]
        state: dict = {}
        for _ in range(100):
            async with http.get(f"{url}sandbox/state") as response:
                state = await response.json()
            if any(c["name"].startswith("drill-") for c in state["channels"]):
                break
            await asyncio.sleep(0.1)
        assert [c["name"] for c in state["channels"] if c["name"].startswith("drill-")]
        assert not [line for line in state["beyond"] if "pages the on-call" in line]  # a drill pages nobody
