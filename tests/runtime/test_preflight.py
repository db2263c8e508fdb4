"""`sevbot check` as an operator runs it: each misconfiguration named with a "did you mean", the alert token's absence
warned about, `--config PATH`, and `--online` saying what it reached (Slack's `auth.test` against the emulator, a
serving backend and a Prometheus that answer, and ones that do not). Also `--version` and each command's `--help`."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web

from tests.harness import make_emulator
from tests.serving.platforms import free_port, serve_app

GOOD = """
models:
  cv-detector:
    serving: {backend: mlflow, url: "http://127.0.0.1:5000", alias: champion}
"""


async def _sevbot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", **env}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("serving", "said"),
    [
        (
            '{backend: mlflow, url: "http://127.0.0.1:5000", alais: champion}',
            "models.cv-detector.serving: `alais` is not a setting of the mlflow backend (did you mean `alias`?)",
        ),
        ("{backend: mlflow}", "models.cv-detector.serving: the mlflow backend needs `url`"),
        (
            "{backend: sagemaker, region: eu-west-1}",
            "models.cv-detector.serving: the sagemaker backend needs `endpoint`",
        ),
        (
            '{backend: http, url: "http://x:1", tokn_env: T}',
            "`tokn_env` is not a setting of the http backend (did you mean `token_env`?)",
        ),
    ],
)
async def test_each_misconfiguration_is_named(tmp_path: Path, serving: str, said: str) -> None:
    path = tmp_path / "team.yml"
    path.write_text(f"models:\n  cv-detector:\n    serving: {serving}\n")
    done = await _sevbot("check", "--config", str(path), cwd=tmp_path)
    assert done.returncode == 2 and said in done.stderr, done.stderr


async def test_an_unset_alert_token_is_warned_about_and_config_is_taken_from_the_option(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.yml"
    path.write_text(GOOD)
    done = await _sevbot("check", "--config", str(path), cwd=tmp_path, SEVBOT_CONFIG=str(tmp_path / "not-this.yml"))
    assert done.returncode == 0, done.stderr
    assert f"{path}: ok — 1 model," in done.stdout
    assert "warning: SEVBOT_ALERT_TOKEN is unset: every request to /alerts/* will be refused with 401" in done.stdout
    quiet = await _sevbot("check", "--config", str(path), cwd=tmp_path, SEVBOT_ALERT_TOKEN="s3cret")
    assert "SEVBOT_ALERT_TOKEN" not in quiet.stdout


async def test_online_says_what_it_reached(tmp_path: Path) -> None:
    emulator = make_emulator()
    await emulator.start()

    async def model(request: web.Request) -> web.Response:
        return web.json_response({"live": "2.0.0", "versions": [{"version": "1.8.2"}, {"version": "2.0.0"}]})

    async def query(request: web.Request) -> web.Response:
        return web.json_response(
            {"status": "success", "data": {"resultType": "vector", "result": [{"value": [1, "0.6"]}]}}
        )

    platform = web.Application()
    platform.router.add_get("/models/{model}", model)
    platform.router.add_get("/api/v1/query", query)
    closed = f"http://127.0.0.1:{free_port()}"
    try:
        async with serve_app(platform) as url:
            (tmp_path / "sevbot.yml").write_text(
                "models:\n"
                f"  cv-detector:\n    serving: {{backend: http, url: '{url}'}}\n"
                f"    metrics: {{backend: prometheus, url: '{url}', queries: {{map: 'avg(model_map)'}}}}\n"
                f"  ranker:\n    serving: {{backend: http, url: '{closed}', timeout_s: 2}}\n"
            )
            env = {"SLACK_BOT_TOKEN": emulator.workspace.bot_token, "SLACK_API_URL": emulator.api_url}
            done = await _sevbot("check", "--online", cwd=tmp_path, SEVBOT_CONFIG="sevbot.yml", **env)
    finally:
        await emulator.stop()
    lines = done.stdout.splitlines()
    assert done.returncode == 1, done.stdout + done.stderr  # something was not reached
    assert any(line.startswith("reached  Slack (") and "auth.test: bot @" in line for line in lines), lines
    assert any(line.startswith("reached  cv-detector on ") and "live version 2.0.0" in line for line in lines), lines
    assert any(line.startswith("reached  cv-detector map on Prometheus") for line in lines), lines
    assert any(line.startswith("FAILED   ranker on ") for line in lines), lines


async def test_version_and_each_commands_help(tmp_path: Path) -> None:
    version = await _sevbot("--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("sevbot ")
    for command, said in [
        ("serve", "SLACK_SIGNING_SECRET"),
        ("demo", "--out DIR"),
        ("sandbox", "--port PORT"),
        ("check", "--online"),
        ("db", "DATABASE_URL"),
    ]:
        shown = await _sevbot(command, "--help", cwd=tmp_path)
        assert shown.returncode == 0 and said in shown.stdout, (command, shown.stdout)
        assert len(shown.stdout.splitlines()) > 4  # says what it does, not only -h
