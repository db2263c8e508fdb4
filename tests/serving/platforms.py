"""Real serving platforms started on loopback for the tests: an MLflow tracking server with its model registry
(SQLite backend store) and moto's server standing in for SageMaker."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

__all__ = ["MlflowServer", "free_port", "mlflow_server", "serve_app", "stop", "wait_until_up"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serve_app(app: web.Application) -> AsyncIterator[str]:
    """An aiohttp application (a platform's API as documented) on a free loopback port; yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not come up: {log.read_text()[-2000:]}")


class MlflowServer:
    def __init__(self, url: str, process: subprocess.Popen[bytes]) -> None:
        self.url = url
        self.process = process

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}/api/2.0/mlflow/{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def register(self, model: str, versions: list[dict[str, str]], *, aliases: dict[str, str]) -> None:
        self.call("POST", "registered-models/create", {"name": model})
        for n, tags in enumerate(versions, start=1):
            self.call(
                "POST",
                "model-versions/create",
                {
                    "name": model,
                    "source": f"s3://models/{model}/{n}",
                    "tags": [{"key": k, "value": v} for k, v in tags.items()],
                },
            )
        for alias, version in aliases.items():
            self.call("POST", "registered-models/alias", {"name": model, "alias": alias, "version": version})

    def alias(self, model: str, alias: str) -> str:
        answer = self.call("GET", f"registered-models/alias?name={model}&alias={alias}")
        return str(answer["model_version"]["version"])


@contextmanager
def mlflow_server(folder: Path) -> Iterator[MlflowServer]:
    port = free_port()
    log = folder / "mlflow.log"
    command = [
        str(Path(sys.executable).with_name("mlflow")),
        "server",
        "--backend-store-uri",
        f"sqlite:///{folder / 'mlflow.db'}",
        "--default-artifact-root",
        str(folder / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/health", process, log)
        yield MlflowServer(url, process)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """The server and the workers it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
