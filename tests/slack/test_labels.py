"""Button labels and form copy live in templates/labels.yml: every label the code asks for is there, a team's own
labels.yml overrides ours, and a label never passes Block Kit's 75 characters."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack import labels
from bot.slack.labels import label

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _ours() -> Iterator[None]:
    yield
    labels.use_overrides(None)


def test_every_label_the_code_asks_for_exists() -> None:
    asked = {
        key
        for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "commands").rglob("*.py")]
        for key in re.findall(r'label\(\s*"([a-z_]+\.[a-z_]+)"', path.read_text())
    }
    assert len(asked) > 30
    for key in asked:
        assert label(key, model="m", version="v", severity="SEV1", minutes=15, incident=1, title="t", n=3), key


def test_a_team_overrides_a_label_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "labels.yml").write_text('buttons:\n  resolve: "Close it"\n')
    labels.use_overrides(tmp_path)
    assert label("buttons.resolve") == "Close it"
    assert label("buttons.acknowledge") == "Acknowledge"


def test_labels_fit_a_button() -> None:
    assert len(label("buttons.roll_back", model="m" * 200)) == 75
