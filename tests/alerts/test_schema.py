"""The generic alert's JSON Schema file is what the endpoint accepts: made from the models, checked both ways."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from bot.alerts.http import SOURCES
from bot.alerts.schema import SCHEMA_FILE, render

EXAMPLES: list[dict[str, Any]] = [
    {"model": "cv-detector", "metric": "map", "value": 0.41, "baseline": 0.68},
    {
        "model": "cv-detector",
        "metric": "map",
        "value": 0.41,
        "slice_label": "cameras",
        "slices": {"cam-01": 0.22, "cam-02": 0.71},
        "slices_total": 24,
        "deployed_at": "2026-11-22T02:40:00Z",
        "series": {"window": [0.5, 0.42, None, 0.41], "baseline": [0.69, 0.7, 0.68]},
    },
    {
        "alerts": [
            {"model": "ranker", "metric": "score_psi", "histograms": {"baseline": [[1, 2, 3]], "current": [[3, 2, 1]]}},
            {"model": "ranker", "status": "resolved", "fingerprint": "psi-eu"},
        ]
    },
]
BAD: list[dict[str, Any]] = [
    {"metric": "map", "value": 0.4},
    {"model": "m", "failure_rate": 3},
    {"model": "m", "status": "pending"},
    {"model": "m", "colour": "red"},
    {"alerts": []},
]


def test_the_schema_file_is_the_models_schema() -> None:
    assert SCHEMA_FILE.read_text() == render(), "run: python -m bot.alerts.schema"
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_FILE.read_text()))


@pytest.mark.parametrize("example", EXAMPLES)
def test_valid_examples_pass_both(example: dict[str, Any]) -> None:
    jsonschema.validate(example, json.loads(SCHEMA_FILE.read_text()))
    SOURCES["generic"].model_validate(example if "alerts" in example else {"alerts": [example]})


@pytest.mark.parametrize("example", BAD)
def test_invalid_examples_fail_both(example: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(example, json.loads(SCHEMA_FILE.read_text()))
    with pytest.raises(ValidationError):
        SOURCES["generic"].model_validate(example if "alerts" in example else {"alerts": [example]})
