"""The sandbox's menu starts the second act's canary (2.1.0 at 5 %), which its guardrail watch then reads."""

from __future__ import annotations

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
