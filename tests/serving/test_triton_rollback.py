"""Rollback on a real NVIDIA Triton Inference Server (the `tritonserver` that nvidia-pytriton ships, CPU, Python
backend models) in explicit model-control mode, from signed Slack requests: Triton reloads the model with a
version policy pinning the version rolled back to, and that version answers ready."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import parse_config
from tests.harness import CONFIG, Bot, running_bot, timeline
from tests.serving.platforms import free_port, stop, wait_until_up

_spec = importlib.util.find_spec("pytriton")  # found, not imported: only its tritonserver is used
TRITON: Path | None = Path(_spec.origin).parent / "tritonserver" if _spec and _spec.origin else None

STUB_ENV = Path(sys.prefix) / "triton-env"
CONFIG_PBTXT = """backend: "python"
max_batch_size: 0
input [ { name: "INPUT", data_type: TYPE_FP32, dims: [ 1 ] } ]
output [ { name: "OUTPUT", data_type: TYPE_FP32, dims: [ 1 ] } ]
instance_group [ { kind: KIND_CPU, count: 1 } ]
"""
MODEL_PY = """import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "INPUT").as_numpy()
            out = pb_utils.Tensor("OUTPUT", (x * 0 + {version}).astype(np.float32))
            responses.append(pb_utils.InferenceResponse([out]))
        return responses
"""


@pytest.fixture(scope="module")
def triton_ports() -> dict[str, int]:
    return {"http": free_port(), "grpc": free_port(), "metrics": free_port()}


@pytest.fixture(scope="module")
def triton(tmp_path_factory: pytest.TempPathFactory, triton_ports: dict[str, int]) -> Iterator[str]:
    if TRITON is None or not (TRITON / "bin" / "tritonserver").exists() or not STUB_ENV.exists():
        if os.environ.get("CI"):
            pytest.fail("tritonserver missing: `make install` installs nvidia-pytriton and .venv/triton-env")
        pytest.skip("pip install --no-deps nvidia-pytriton")
    folder = tmp_path_factory.mktemp("triton")
    repo = folder / "models"
    for version in (1, 2):
        (repo / "cv-detector" / str(version)).mkdir(parents=True)
        (repo / "cv-detector" / str(version) / "model.py").write_text(MODEL_PY.format(version=version))
    (repo / "cv-detector" / "config.pbtxt").write_text(CONFIG_PBTXT)
    backends = folder / "backends"  # the Python backend with the stub for this Python, as pytriton lays it out
    shutil.copytree(TRITON / "backends", backends)
    stub = TRITON / "python_backend_stubs" / f"{sys.version_info.major}.{sys.version_info.minor}"
    shutil.copy(stub / "triton_python_backend_stub", backends / "python")
    http, grpc, metrics = triton_ports["http"], triton_ports["grpc"], triton_ports["metrics"]
    env = {
        **os.environ,
        # the Python backend's stub embeds the `python3` it finds on PATH; it is built against numpy 1, so
        # `make install` makes a small environment for it (.venv/triton-env)
        "PATH": f"{STUB_ENV / 'bin'}:{os.environ.get('PATH', '')}",
        # the wheel's bundled libraries: the copied stub no longer finds them through its relative RPATH
        "LD_LIBRARY_PATH": str(TRITON.parents[1] / "nvidia_pytriton.libs"),
    }
    log = folder / "triton.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(TRITON / "bin" / "tritonserver"),
                f"--model-repository={repo}",
                f"--backend-directory={backends}",
                "--model-control-mode=explicit",
                "--load-model=cv-detector",
                f"--http-port={http}",
                f"--grpc-port={grpc}",
                f"--metrics-port={metrics}",
                "--allow-grpc=false",
                "--http-address=127.0.0.1",
                "--metrics-address=127.0.0.1",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{http}"
    try:
        wait_until_up(f"{url}/v2/models/cv-detector/ready", process, log)
        yield url
    finally:
        stop(process)


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def _ready(url: str, version: int) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/v2/models/cv-detector/versions/{version}/ready", timeout=10) as r:
            return r.status == 200
    except urllib.error.HTTPError:
        return False


@pytest.fixture
async def bot(triton: str, tmp_path: Path) -> AsyncIterator[Bot]:
    config = copy.deepcopy(CONFIG)
    config["models"]["cv-detector"]["serving"] = {"backend": "triton", "url": triton, "timeout_s": 60}
    async with running_bot(f"sqlite:///{tmp_path / 'sevbot.db'}", config=parse_config(config)) as running:
        yield running


async def _confirm(bot: Bot, channel: str, command: str) -> str:
    await bot.driver.slash("U0004", channel, command)
    await bot.settled(within=90)
    mine = [m for m in bot.ws.channels[channel].messages if m.ephemeral_to == "U0004"]
    plan = mine[-1]
    shown = plan.text  # the plan as first shown; Confirm replaces it
    if "Confirm" in str(plan.blocks):
        await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
        await bot.settled(within=90)
    return shown


async def test_rollback_pins_the_previous_version(bot: Bot, triton: str) -> None:
    await bot.driver.slash("U0004", bot.channel("general").id, "declare sev1 cv-detector mAP collapsed after 2")
    await bot.settled()
    channel = bot.incident_channels()[0].id
    assert _ready(triton, 2) and not _ready(triton, 1)

    # Triton keeps no history and sevbot has seen only version 2 live: it asks rather than guesses.
    said = await _confirm(bot, channel, "rollback cv-detector")
    assert "neither the platform nor sevbot's records say which version of cv-detector was live before 2" in said

    said = await _confirm(bot, channel, "rollback cv-detector to 1")
    assert "*Rollback on Triton:* cv-detector: 2 → 1" in said
    assert _ready(triton, 1) and not _ready(triton, 2)
    assert _get(f"{triton}/v2/models/cv-detector/config")["version_policy"] == {"specific": {"versions": [1]}}
    actions = [d for _, _, kind, d in await timeline(bot) if kind == "action"]
    assert [(a["status"], a["before"], a["after"]) for a in actions][-1] == ("succeeded", "2", "1")

    # sevbot has seen 2 live before 1, but 2 is what this incident rolled back from: never "the previous version".
    said = await _confirm(bot, channel, "rollback cv-detector")
    assert "neither the platform nor sevbot's records say which version of cv-detector was live before 1" in said
    said = await _confirm(bot, channel, "rollback cv-detector to 2")  # named: shown in red, confirmed twice
    assert "cv-detector: 1 → 2 (known bad: rolled back in INC-1 (mAP collapsed after 2))" in said
    assert _ready(triton, 1) and not _ready(triton, 2)
    plan = [m for m in bot.ws.channels[channel].messages if m.ephemeral_to == "U0004"][-1]
    await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
    await bot.settled(within=90)
    assert _ready(triton, 2) and not _ready(triton, 1)

    said = await _confirm(bot, channel, "rollback cv-detector to 7")
    posted = "\n".join(bot.seen(channel))
    assert ":x: Rollback of `cv-detector` failed on Triton: Triton: loading cv-detector version 7" in posted, posted
    assert _ready(triton, 2)


async def test_per_version_metrics_feed_verification(triton: str, triton_ports: dict[str, int], tmp_path: Path) -> None:
    """Prometheus scrapes Triton's metrics port; the SLO's query reads the live version's counters."""
    import asyncio

    import aiohttp

    from tests.alerts.test_prometheus_e2e import ALERTMANAGER, PROMETHEUS, monitoring

    if not (PROMETHEUS and ALERTMANAGER):
        if os.environ.get("CI"):
            pytest.fail("prometheus / prometheus-alertmanager missing: .ci/run installs them")
        pytest.skip("apt-get install prometheus prometheus-alertmanager")
    live = _get(f"{triton}/v2/models/cv-detector/config")["version_policy"]
    version = str(live["specific"]["versions"][0]) if "specific" in live else "2"
    ok = f'nv_inference_request_success{{model="cv-detector",version="{version}"}}'
    failed = f'nv_inference_request_failure{{model="cv-detector",version="{version}"}}'
    query = f"sum(rate({ok}[3s])) / (sum(rate({ok}[3s])) + (sum(rate({failed}[3s])) or vector(0)))"
    config = copy.deepcopy(CONFIG)
    model = config["models"]["cv-detector"]
    model["serving"] = {"backend": "triton", "url": triton, "timeout_s": 60}
    model["slos"] = {"success_rate": {"min": 0.99, "window": "8s"}}
    stop_traffic = asyncio.Event()

    async def traffic() -> None:  # requests to the live version, as production would send
        body = {"inputs": [{"name": "INPUT", "shape": [1], "datatype": "FP32", "data": [1.0]}]}
        async with aiohttp.ClientSession() as http:
            while not stop_traffic.is_set():
                async with http.post(f"{triton}/v2/models/cv-detector/infer", json=body) as response:
                    assert response.status == 200, await response.text()
                await asyncio.sleep(0.1)

    sender = asyncio.create_task(traffic())
    try:
        with monitoring(tmp_path, metrics_port=triton_ports["metrics"], bot_url="http://127.0.0.1:9") as prom_port:
            model["metrics"] = {
                "backend": "prometheus",
                "url": f"http://127.0.0.1:{prom_port}",
                "queries": {"success_rate": query},
            }
            async with running_bot(f"sqlite:///{tmp_path / 'v.db'}", config=parse_config(config)) as bot:
                await bot.driver.slash("U0004", bot.channel("general").id, "declare sev2 cv-detector errors")
                await bot.settled()
                channel = bot.incident_channels()[0].id
                await asyncio.sleep(16)  # Prometheus starting, then a window of scrapes
                await bot.driver.slash("U0004", channel, "verify")
                await bot.settled()
                posted = "\n".join(bot.seen(channel))
                assert "success_rate 1.000 ≥ 0.99 for 8 s — recovered" in posted, posted
    finally:
        stop_traffic.set()
        await sender
