"""The container image, run with podman as users run it: the demo inside it; `sevbot serve` from it against the
emulator and a real PostgreSQL (host network), taking a signed declare, passing its HEALTHCHECK and stopping on
SIGTERM; and `podman kube play` of deploy/kubernetes/ bringing up PostgreSQL and two sevbot replicas that both
answer /readyz. The images are built by `.ci/images` (CI runs it first); without them these tests are skipped,
and in CI they fail."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from bot.tryout.emulator.driver import SlackDriver
from bot.tryout.emulator.sandbox import ALERT_TOKEN, SIGNING_SECRET
from tests.harness import CONFIG, make_emulator
from tests.serving.platforms import free_port

ROOT = Path(__file__).resolve().parents[2]
IMAGE, POSTGRES_IMAGE = "localhost/sevbot:latest", "localhost/sevbot-postgres:latest"
KUBE = ROOT / "deploy" / "kubernetes"


def _podman(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=check, timeout=timeout)


def _have_images() -> bool:
    if shutil.which("podman") is None:
        return False
    return all(_podman("image", "exists", image, check=False).returncode == 0 for image in (IMAGE, POSTGRES_IMAGE))


@pytest.fixture(scope="module", autouse=True)
def images() -> None:
    if not _have_images():
        if os.environ.get("CI"):
            pytest.fail("the images are not built: .ci/images builds them (podman, debootstrap)")
        pytest.skip("no sevbot image: run .ci/images (needs podman and debootstrap, as root)")


def test_the_demo_runs_in_the_image() -> None:
    shown = _podman("run", "--rm", IMAGE, "demo", timeout=180).stdout
    assert "The postmortem draft (INC-1-postmortem.md" in shown
    assert "Seen before" in shown and "Weekly ML incident digest" in shown
    labels = json.loads(_podman("image", "inspect", IMAGE).stdout)[0]["Config"]["Labels"]
    assert labels["org.opencontainers.image.title"] == "sevbot" and labels["org.opencontainers.image.version"]
    user = _podman("run", "--rm", "--entrypoint", "id", IMAGE, "-u").stdout.strip()
    assert user == "10001"  # not root
    files = _podman("run", "--rm", "--entrypoint", "sh", IMAGE, "-c", "ls /etc/ssl/certs | wc -l; env").stdout
    assert "SLACK_BOT_TOKEN" not in files and "PIP_CERT" not in files  # nothing of the build leaks in


@contextlib.contextmanager
def _container(*args: str) -> Iterator[str]:
    name = f"sevbot-test-{os.getpid()}-{time.monotonic_ns()}"
    _podman("run", "-d", "--name", name, *args)
    try:
        yield name
    finally:
        _podman("rm", "-f", name, check=False)


async def _ready(url: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.3)
    raise TimeoutError(f"{url} never answered 200")


async def test_serve_from_the_image_takes_a_signed_declare_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    emulator = make_emulator()
    await emulator.start()
    config = tmp_path / "sevbot.yml"
    config.write_text(yaml.safe_dump(CONFIG))
    config.chmod(0o644)
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": emulator.workspace.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": emulator.api_url,
        "SEVBOT_ALERT_TOKEN": ALERT_TOKEN,
        "DATABASE_URL": postgres_url,
        "PORT": str(port),
    }
    flags = [f"--env={k}={v}" for k, v in env.items()]
    try:
        with _container("--network", "host", *flags, "-v", f"{config}:/etc/sevbot/sevbot.yml:ro", IMAGE) as name:
            await _ready(f"http://127.0.0.1:{port}/readyz")
            assert _podman("healthcheck", "run", name, check=False).returncode == 0  # the image's HEALTHCHECK
            async with aiohttp.ClientSession() as http:
                driver = SlackDriver(
                    emulator, bot_url=f"http://127.0.0.1:{port}", signing_secret=SIGNING_SECRET, http=http
                )
                general = emulator.workspace.channel_named("general").id
                reply = await driver.slash("U0001", general, "declare sev2 cv-detector mAP drop on cams 23-40")
                assert reply.status == 200 and "Declared *INC-1*" in reply.ephemeral_text
                unsigned = await driver.send("command=/incident&text=declare", signed=False)
                assert unsigned.status == 401
            deadline = time.monotonic() + 30
            while not any(c.name.startswith("inc-") and c.pins for c in emulator.workspace.channels.values()):
                assert time.monotonic() < deadline, _podman("logs", name).stderr[-2000:]
                await asyncio.sleep(0.2)
            started = time.monotonic()
            _podman("stop", "--time", "20", name)  # SIGTERM: a graceful stop, well inside the grace period
            assert time.monotonic() - started < 15
            state = json.loads(_podman("inspect", name).stdout)[0]["State"]
            assert state["ExitCode"] == 0, _podman("logs", name).stderr[-2000:]
    finally:
        await emulator.stop()


def _ip(container: str) -> str:
    networks = json.loads(_podman("inspect", container).stdout)[0]["NetworkSettings"]["Networks"]
    return next(iter(networks.values()))["IPAddress"]


async def test_kube_play_brings_up_postgres_and_two_ready_replicas(tmp_path: Path) -> None:
    try:
        _podman("kube", "play", str(KUBE / "postgres.yaml"))
        postgres = _ip("postgres-pod-0-postgres")
        deadline = time.monotonic() + 60
        while _podman(
            "exec", "postgres-pod-0-postgres", "pg_isready", "-U", "sevbot", "-h", "127.0.0.1", check=False
        ).returncode:
            assert time.monotonic() < deadline, _podman("logs", "postgres-pod-0-postgres").stderr[-2000:]
            await asyncio.sleep(0.5)
        # What a person edits in the Secret, given here as the optional `sevbot-env` ConfigMap (podman 4.3 cannot
        # read a Secret): the database the manifest's PostgreSQL has, by its pod's address (no cluster DNS here).
        env = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "sevbot-env"},
            "data": {
                "DATABASE_URL": f"postgresql://sevbot:sevbot-try-only@{postgres}:5432/sevbot",
                "SLACK_BOT_TOKEN": "xoxb-kube-play",
                "SLACK_SIGNING_SECRET": "kube-play",
                "SEVBOT_ALERT_TOKEN": "kube-play",
            },
        }
        (tmp_path / "env.yaml").write_text(yaml.safe_dump(env))
        configs = ["--configmap", str(KUBE / "configmap.yaml"), "--configmap", str(tmp_path / "env.yaml")]
        _podman("kube", "play", *configs, str(KUBE / "sevbot.yaml"))
        replicas = ["sevbot-pod-0-sevbot", "sevbot-pod-1-sevbot"]
        await asyncio.gather(*(_ready(f"http://{_ip(r)}:3000/readyz", within=90) for r in replicas))
        for replica in replicas:
            assert "sevbot ready" in _podman("logs", replica).stderr
    finally:
        _podman("kube", "down", str(KUBE / "sevbot.yaml"), check=False)
        _podman("kube", "down", str(KUBE / "postgres.yaml"), check=False)
        _podman("volume", "rm", "-f", "postgres-data", check=False)
