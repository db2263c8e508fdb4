"""The configuration: the example is valid, and every mistake names its field and why."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, load_config, parse_config, parse_duration

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "sevbot.example.yml"


def test_the_example_is_valid_and_in_the_readme() -> None:
    config = load_config(EXAMPLE, required=True)
    assert config.severities["SEV1"].update_every == timedelta(minutes=15)
    assert config.severities["SEV4"].update_every is None
    assert config.models["cv-detector"].slos["map"].min == 0.55
    assert config.escalation[1].after == timedelta(minutes=20)
    readme = (ROOT / "README.md").read_text()
    assert EXAMPLE.read_text().strip() in readme, "README's example sevbot.yml differs from sevbot.example.yml"


def test_defaults_fill_unlisted_severities() -> None:
    config = parse_config({"severities": {"SEV2": {"update_every": "20m"}}})
    assert config.severities["SEV2"].update_every == timedelta(minutes=20)
    assert config.severities["SEV1"].update_every == timedelta(minutes=15)
    assert config.severities["SEV2"].auto_declare is True  # only what is written changes (README: list what you change)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"severities": {"SEV5": {}}}, "severities.SEV5: unknown severity 'SEV5'"),
        ({"severities": {"SEV1": {"update_every": "15x"}}}, "severities.SEV1.update_every: '15x' is not a duration"),
        ({"severities": {"SEV1": {"update_every": "0m"}}}, "must be longer than zero"),
        ({"models": {"m": {"owners": ["U1"]}}}, "models.m.serving: model has no serving backend"),
        ({"models": {"m": {"serving": {"backend": "torchserve"}}}}, "serving.backend: `torchserve` is not one"),
        (
            {"models": {"m": {"serving": {"backend": "http"}, "slos": {"map": {}}}}},
            "models.m.slos.map: an SLO has exactly one",
        ),
        (
            {"models": {"m": {"serving": {"backend": "http"}, "owners": ["alice"]}}},
            "models.m.owners.0: 'alice' is not a Slack user",
        ),
        ({"escalation": [{"after": "10m", "notify": []}]}, "escalation.0.notify: List should have at least 1 item"),
        ({"incident_channel_prefix": "Inc!"}, "incident_channel_prefix: 'Inc!': lowercase letters"),
        ({"chanels": {}}, "chanels: unknown setting (did you mean `channels`?)"),
        (
            {"models": {"m": {"serving": {"backend": "mlflow", "url": "http://127.0.0.1:5000", "alais": "champion"}}}},
            "models.m.serving: `alais` is not a setting of the mlflow backend (did you mean `alias`?)",
        ),
        ({"models": {"m": {"serving": {"backend": "mlflow"}}}}, "models.m.serving: the mlflow backend needs `url`"),
        ({"models": {"m": {"serving": {"backend": "sagemaker"}}}}, "the sagemaker backend needs `endpoint`"),
        (
            {"models": {"m": {"serving": {"backend": "simulated"}, "metrics": {"backend": "prometheus"}}}},
            "models.m.metrics: the prometheus metrics backend needs a url",
        ),
        (
            {"models": {"m": {"serving": {"backend": "simulated"}, "slos": {"map": {"min": 0.5, "windw": "1h"}}}}},
            "models.m.slos.map.windw: unknown setting (did you mean `window`?)",
        ),
        (["not", "a", "mapping"], "the file must be a mapping"),
    ],
)
def test_errors_name_the_field(data: object, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


@given(st.integers(0, 48), st.integers(0, 59), st.integers(0, 59))
def test_durations_round_trip(hours: int, minutes: int, seconds: int) -> None:
    delta = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if delta > timedelta(0):
        written = "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (seconds, "s")) if n)
        assert parse_duration(written) == delta


def _check(tmp_path: Path, text: str, **env: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "sevbot.yml"
    config.write_text(text)
    environment = {"SEVBOT_CONFIG": str(config), "PATH": "/usr/bin:/bin", **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=60,
    )


def test_sevbot_check_command(tmp_path: Path) -> None:
    good = _check(tmp_path, EXAMPLE.read_text())
    assert good.returncode == 0 and "ok — 1 model," in good.stdout
    bad = _check(
        tmp_path,
        "models:\n  cv-detector:\n    serving: {backend: mlflow}\n    slos: {map: {min: 0.5, window: 1 hour}}\n",
    )
    assert bad.returncode == 2
    assert "models.cv-detector.slos.map.window: '1 hour' is not a duration" in bad.stderr
    env = _check(tmp_path, EXAMPLE.read_text(), DATABASE_URL="mysql://x", PORT="99999")
    assert env.returncode == 2 and "PORT" in env.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"SEVBOT_CONFIG": str(tmp_path / "nope.yml"), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_a_listed_severity_changes_only_the_fields_it_names() -> None:
    from datetime import timedelta

    from bot.config import parse_config

    config = parse_config({"severities": {"SEV1": {"update_every": "10m"}, "SEV3": {"auto_declare": True}}})
    assert config.policy("SEV1").update_every == timedelta(minutes=10) and config.policy("SEV1").auto_declare
    assert config.policy("SEV3").update_every == timedelta(minutes=60) and config.policy("SEV3").auto_declare
    assert config.policy("SEV2").update_every == timedelta(minutes=30)


def test_a_mistyped_value_gets_a_did_you_mean_and_bad_yaml_names_its_line(tmp_path: Path) -> None:
    typo = _check(tmp_path, "models:\n  cv-detector:\n    serving: {backend: mlfow}\n")
    assert typo.returncode == 2
    assert "models.cv-detector.serving.backend: `mlfow` is not one of mlflow, triton" in typo.stderr
    assert "(did you mean `mlflow`?)" in typo.stderr
    broken = _check(tmp_path, "models:\n  cv-detector: [\n    serving: x\n")
    assert broken.returncode == 2 and "<unicode string>" not in broken.stderr
    assert f"{tmp_path / 'sevbot.yml'}: not valid YAML: line 4, column 1:" in broken.stderr


def test_serve_reports_everything_wrong_at_once(tmp_path: Path) -> None:
    config = tmp_path / "sevbot.yml"
    config.write_text("models:\n  cv-detector:\n    serving: {backend: mlfow}\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        capture_output=True,
        text=True,
        env={"SEVBOT_CONFIG": str(config), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 2
    assert "environment: SLACK_BOT_TOKEN" in done.stderr and "did you mean `mlflow`" in done.stderr


def test_init_writes_a_commented_configuration_and_the_manifest_and_overwrites_nothing(tmp_path: Path) -> None:
    def init() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "init"], capture_output=True, text=True, cwd=tmp_path, timeout=60
        )

    first = init()
    assert first.returncode == 0 and "sevbot check --online" in first.stdout
    assert (tmp_path / "sevbot.yml").read_text() == EXAMPLE.read_text()
    assert (tmp_path / "manifest.yml").read_text() == (ROOT / "manifest.yml").read_text()
    assert _check(tmp_path, (tmp_path / "sevbot.yml").read_text()).returncode == 0  # valid as written
    (tmp_path / "sevbot.yml").write_text("# mine\n")
    again = init()
    assert again.returncode == 1 and "not overwriting" in again.stderr
    assert (tmp_path / "sevbot.yml").read_text() == "# mine\n"
