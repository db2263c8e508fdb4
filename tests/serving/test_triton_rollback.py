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
        return [
            pb_utils.InferenceResponse([pb_utils.Tensor("OUTPUT", np.full((1,), {version}, dtype=np.float32))])
            for _ in requests
        ]
"""


@pytest.fixture(scope="module")
def triton(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if TRITON is None or not (TRITON / "bin" / "tritonserver").exists():
        if os.environ.get("CI"):
            pytest.fail("tritonserver missing: `make install` installs nvidia-pytriton")
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
    http, grpc, metrics = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
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

    # Now sevbot has seen 2 live before 1: a plain rollback goes back to 2.
    said = await _confirm(bot, channel, "rollback cv-detector")
    assert "cv-detector: 1 → 2" in said
    assert _ready(triton, 2) and not _ready(triton, 1)

    said = await _confirm(bot, channel, "rollback cv-detector to 7")
    posted = "\n".join(bot.seen(channel))
    assert ":x: Rollback of `cv-detector` failed on Triton: Triton: loading cv-detector version 7" in posted, posted
    assert _ready(triton, 2)
