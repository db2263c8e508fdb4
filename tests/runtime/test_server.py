"""`sevbot serve` as an operator runs it: migrates, answers health checks, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_then_sigterm(tmp_path: Path) -> None:
    port = _port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_SIGNING_SECRET": "s",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'sevbot.db'}",
        "SEVBOT_CONFIG": str(tmp_path / "absent.yml"),
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "sevbot serve did not become ready"
                time.sleep(0.1)
        assert (tmp_path / "sevbot.db").exists()  # migrations applied at start
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "running with the default configuration" in output


def test_serve_refuses_to_start_without_its_secrets(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "SEVBOT_CONFIG": str(tmp_path / "absent.yml")}
    result = subprocess.run([sys.executable, "-m", "bot", "serve"], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN: required" in result.stderr and "SLACK_SIGNING_SECRET: required" in result.stderr
