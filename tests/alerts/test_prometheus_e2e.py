"""Real Prometheus and Alertmanager (Debian's packages, started here on loopback): Prometheus scrapes a
detector's per-camera mAP from an endpoint this test serves, a rule fires, Alertmanager posts the group to
sevbot, and the incident appears in the emulator with the severity and the reasons."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest
from aiohttp import web

from tests.harness import ALERT_TOKEN, Bot, card_text, running_bot

PROMETHEUS = shutil.which("prometheus")
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")

RULES = """
groups:
  - name: models
    rules:
      - alert: ModelMapBelowSLO
        expr: model_map < 0.55
        labels: {metric: map}
        annotations:
          value: '{{ $value }}'
          threshold: '0.55'
          slices_total: '{{ with query "count(model_map{model=\\"cv-detector\\"})" }}{{ . | first | value }}{{ end }}'
          summary: '{{ $labels.model }}: mAP below its SLO'
"""


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _binaries() -> None:
    if PROMETHEUS and ALERTMANAGER:
        return
    if os.environ.get("CI"):
        pytest.fail("prometheus / prometheus-alertmanager missing: .ci/run installs them")
    pytest.skip("apt-get install prometheus prometheus-alertmanager")


@asynccontextmanager
async def detector_metrics(values: dict[str, float]) -> AsyncIterator[int]:
    async def metrics(request: web.Request) -> web.Response:
        lines = ["# TYPE model_map gauge"]
        lines += [f'model_map{{model="cv-detector",camera="{cam}"}} {value}' for cam, value in values.items()]
        return web.Response(text="\n".join(lines) + "\n")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = _port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield port
    finally:
        await runner.cleanup()


@contextmanager
def monitoring(folder: Path, *, metrics_port: int, bot_url: str) -> Iterator[int]:
    """Prometheus scraping `metrics_port` every second and Alertmanager posting to the bot; yields Prometheus's
    port."""
    prom_port, am_port = _port(), _port()
    (folder / "rules.yml").write_text(RULES)
    (folder / "prometheus.yml").write_text(f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: [{folder / "rules.yml"}]
alerting:
  alertmanagers: [{{static_configs: [{{targets: ['127.0.0.1:{am_port}']}}]}}]
scrape_configs:
  - job_name: detector
    static_configs: [{{targets: ['127.0.0.1:{metrics_port}']}}]
""")
    (folder / "alertmanager.yml").write_text(f"""
route: {{receiver: sevbot, group_by: [model], group_wait: 1s, group_interval: 1s, repeat_interval: 1h}}
receivers:
  - name: sevbot
    webhook_configs:
      - url: {bot_url}/alerts/alertmanager
        send_resolved: true
        http_config: {{authorization: {{type: Bearer, credentials: {ALERT_TOKEN}}}}}
""")
    logs = [open(folder / name, "w") for name in ("am.log", "prom.log")]
    alertmanager = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={folder / 'alertmanager.yml'}",
            f"--storage.path={folder / 'am'}",
            f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=logs[0],
        stderr=subprocess.STDOUT,
    )
    prometheus = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
            "--log.level=warn",
        ],
        stdout=logs[1],
        stderr=subprocess.STDOUT,
    )
    try:
        yield prom_port
    finally:
        for process in (prometheus, alertmanager):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


async def _incident(bot: Bot, folder: Path, within: float = 90.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        channels = bot.incident_channels()
        if channels and channels[0].pins:
            await bot.settled()
            return channels[0]
        await asyncio.sleep(0.25)
    logs = "\n".join((folder / n).read_text()[-2000:] for n in ("am.log", "prom.log"))
    raise AssertionError(f"no incident after {within} s; monitoring logs:\n{logs}")


@pytest.mark.parametrize(
    ("breached", "severity", "finding"),
    [
        (6, "SEV1", "broken globally: 6 of 10 cameras (60 %)"),
        (2, "SEV2", "localized: 2 of 10 cameras (20 %)"),
    ],
)
async def test_alertmanager_to_incident(tmp_path: Path, breached: int, severity: str, finding: str) -> None:
    values = {f"cam-{n:02d}": (0.41 if n < breached else 0.63) for n in range(10)}
    async with running_bot(f"sqlite:///{tmp_path / 'sevbot.db'}") as bot, detector_metrics(values) as port:
        with monitoring(tmp_path, metrics_port=port, bot_url=bot.url):
            channel = await _incident(bot, tmp_path)
            card = card_text(bot, channel.id)
            assert f"*{severity} · INC-1 · cv-detector: mAP below its SLO*" in card
            assert "map 0.41 is below its SLO (0.55)" in card
            assert finding in card
            assert "automatically by sevbot from an alert" in card
            assert len(bot.incident_channels()) == 1
