"""`sevbot sandbox` in a real browser: headless Chromium (Debian's `chromium`) driven by Playwright against a real
`sevbot sandbox` process. A person declares an incident by typing, fires the demo's alert, rolls the model back from
the alert card (plan, then Confirm), sees the result in the incident channel, verifies, and sees the chart; opens
sevbot's App Home; joins a channel and asks for the catch-up."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.serving.platforms import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():  # CI installs it (.ci/run); a developer without it is told, not silently passed
    if os.environ.get("CI"):
        raise RuntimeError("Debian's chromium is needed for the browser test: apt-get install chromium")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)

playwright = pytest.importorskip("playwright.async_api")


@contextlib.asynccontextmanager
async def running_sandbox(tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    log = (tmp_path / "sandbox.log").open("wb")
    process = subprocess.Popen(  # noqa: ASYNC220 (started in microseconds; stopped below)
        [sys.executable, "-m", "bot", "sandbox", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, (tmp_path / "sandbox.log").read_text()
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{url}sandbox/state") as response:
                        if response.status == 200:
                            break
                assert time.monotonic() < deadline, "the sandbox did not start"
                await asyncio.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


async def test_declare_roll_back_confirm_and_see_the_chart(tmp_path: Path) -> None:
    async with (
        running_sandbox(tmp_path) as url,
        playwright.async_playwright() as p,
    ):
        browser = await p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=ARGS
        )
        try:
            page = browser.pages[0] if browser.pages else await browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(url)
            await page.select_option("[data-testid=me]", "U0004")  # dave, cv-detector's on-call

            # Declare by typing, as in Slack: the ack comes back privately and the new channel appears.
            await page.click(".chan[data-name=general]")
            await page.fill("[data-testid=composer]", "/incident declare sev3 ranker slow ranking in eu-west")
            await page.press("[data-testid=composer]", "Enter")
            await page.wait_for_selector(".chan[data-name*=slow-ranking-in-eu-west]", timeout=30_000)

            # The demo's alert: triaged, declared, carded in #ml-alerts with Roll back.
            await page.click("[data-scenario=cv-localized]")
            await page.click(".chan[data-name=ml-alerts]")
            await page.click("[data-testid=messages] >> button:has-text('Roll back cv-detector')", timeout=30_000)
            plan = page.locator(".msg.ephemeral", has_text="Rollback on the simulated model service")
            await plan.wait_for(timeout=30_000)
            assert "2.0.0" in await plan.inner_text() and "1.8.2" in await plan.inner_text()
            await plan.locator("button:has-text('Confirm')").click()

            # The result, in the incident channel; then a verification with its chart.
            await page.click(".chan[data-name*=cv-detector-map-below-slo]")
            done = page.locator("[data-testid=messages]", has_text="rolled back on the simulated model service")
            await done.wait_for(timeout=30_000)
            assert "2.0.0 → 1.8.2" in await done.inner_text()
            await page.fill("[data-testid=composer]", "/incident verify")
            await page.press("[data-testid=composer]", "Enter")
            chart = page.locator(".file img").first
            await chart.wait_for(timeout=20_000)
            await page.wait_for_function(
                "() => { const i = document.querySelector('.file img'); return i && i.naturalWidth >= 1000; }"
            )
            await page.screenshot(path=str(tmp_path / "sandbox.png"))

            # sevbot's App Home, as dave sees it: the two open incidents he holds roles in, SEV2 before SEV3.
            await page.click("[data-testid=home-tab]")
            home = page.locator("[data-testid=messages]", has_text="sevbot: ML incidents")
            await home.wait_for(timeout=20_000)
            text = await home.inner_text()
            assert "Declare an incident" in text and "2 open, 2 with you in a role (first)" in text
            assert text.index("cv-detector mAP below SLO") < text.index("slow ranking in eu-west")
            assert "you: ops" in text and "you: commander" in text and "rolled back 2.0.0 → 1.8.2" in text

            # erin joins the incident's channel from the page and asks for the catch-up.
            await page.select_option("[data-testid=me]", "U0005")
            await page.click(".chan[data-name*=slow-ranking-in-eu-west]")
            await page.click("button[data-join]")
            await page.wait_for_function("() => !document.querySelector('button[data-join]')", timeout=20_000)
            await page.fill("[data-testid=composer]", "/incident catchup")
            await page.press("[data-testid=composer]", "Enter")
            caught = page.locator(".msg.ephemeral", has_text="Roles:")
            await caught.wait_for(timeout=20_000)
            assert "slow ranking in eu-west" in await caught.inner_text()
            assert errors == []
        finally:
            await browser.close()
