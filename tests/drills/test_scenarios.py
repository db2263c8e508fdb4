"""Drill scenarios as data: the built-in ones (one per worked example of the runbooks) load and say what the runbook
expects; the JSON Schema is the models'; a team's file that is wrong is named with its field; `sevbot check` reads
`drills_dir`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.drills import DrillError, built_in, scenarios
from bot.drills.library import BUILT_IN
from bot.drills.schema import SCHEMA_FILE, render

ROOT = Path(__file__).resolve().parents[2]


def test_every_worked_example_is_a_built_in_scenario() -> None:
    found = built_in()
    assert set(found) == {
        "bad-retrain",
        "lighting",
        "preprocessing-bug",
        "holiday-drift",
        "feature-store-outage",
        "prompt-injection",
        "day-night-switch",
    }
    expected = {name: (s.expected.severity, s.expected.first_containment) for name, s in found.items()}
    assert expected["bad-retrain"] == ("SEV1", "rollback")  # global, right after a deploy: roll back
    assert expected["lighting"] == ("SEV2", "fallback")  # localized, no deploy: route those cameras elsewhere
    assert expected["prompt-injection"] == ("SEV1", "fallback")  # safety: the stricter variant first
    assert found["lighting"].events[0].breach is not None
    assert found["lighting"].events[0].breach.slice_numbers(40) == list(range(23, 41))
    assert found["feature-store-outage"].expected.success.held.total_seconds() == 1800
    assert all(s.hints() for s in found.values()), "every drill has a hint to give"


def test_the_schema_file_is_the_models_and_accepts_the_built_ins() -> None:
    assert SCHEMA_FILE.read_text() == render(), "run python -m bot.drills.schema"
    schema = json.loads(SCHEMA_FILE.read_text())
    for entry in BUILT_IN.iterdir():
        if entry.name.endswith(".yml"):
            jsonschema.validate(yaml.safe_load(entry.read_text()), schema)


def _team(tmp_path: Path, text: str, name: str = "ours.yml") -> Path:
    folder = tmp_path / "drills"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return folder


BROKEN = [
    (
        "events.1.breach.slices: there are 40 slices",
        lambda s: s.replace("slices: all, value: 0.49", "slices: 30-45, value: 0.49"),
    ),
    (
        "events.2.alert.value: Input should be a valid number",
        lambda s: s.replace("value: 0.49\n      baseline", "value: low\n      baseline"),
    ),
    (
        "expected.first_containment: Input should be 'rollback', 'fallback', 'canary' or 'review'",
        lambda s: s.replace("first_containment: rollback", "first_containment: pray"),
    ),
    ("events.0.deploy: '9.9.9' is not one of model.versions", lambda s: s.replace("deploy: 2.0.0", "deploy: 9.9.9")),
    ("model.slos: Field required", lambda s: s.replace("  slos:\n    map: {min: 0.55, window: 60m, name: mAP}\n", "")),
    ("not valid YAML: line", lambda s: s + "\n  : [unclosed"),
]


@pytest.mark.parametrize(("said", "break_it"), BROKEN)
def test_a_wrong_team_file_is_named_with_its_field(tmp_path: Path, said: str, break_it) -> None:  # type: ignore[no-untyped-def]
    text = (BUILT_IN / "bad-retrain.yml").read_text()
    folder = _team(tmp_path, break_it(text).replace("name: bad-retrain", "name: our-retrain"))
    with pytest.raises(DrillError) as refused:
        scenarios(folder)
    assert any(p.startswith("ours.yml: ") and said in p for p in refused.value.problems), refused.value.problems


def test_a_team_scenario_joins_the_built_ins_and_can_replace_one(tmp_path: Path) -> None:
    text = (BUILT_IN / "lighting.yml").read_text()
    folder = _team(tmp_path, text.replace("name: lighting", "name: loading-dock").replace("23-40", "1-5"))
    _team(
        tmp_path, text.replace("title: Brighter LEDs on cameras 23–40", "title: Our own lighting drill"), "lighting.yml"
    )
    found = scenarios(folder)
    assert "loading-dock" in found and len(found) == 8
    assert found["lighting"].title == "Our own lighting drill"


def test_sevbot_check_reads_drills_dir(tmp_path: Path) -> None:
    text = (BUILT_IN / "bad-retrain.yml").read_text()
    folder = _team(
        tmp_path, text.replace("name: bad-retrain", "name: ours").replace("severity: SEV1", "severity: SEV9")
    )
    config = tmp_path / "sevbot.yml"
    config.write_text(yaml.safe_dump({"drills_dir": str(folder)}))
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 2 and "ours.yml: expected: severity 'SEV9': one of SEV1, SEV2, SEV3, SEV4" in run.stderr, (
        run
    )
    serve = subprocess.run(  # and `sevbot serve` will not start on it
        [sys.executable, "-m", "bot", "serve"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={**os.environ, "SEVBOT_CONFIG": str(config)},
        timeout=60,
    )
    assert serve.returncode == 2 and "ours.yml: expected: severity 'SEV9'" in serve.stderr, serve
    (folder / "ours.yml").write_text(text.replace("name: bad-retrain", "name: ours"))
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0 and "drills: 8 scenarios" in run.stdout, run
