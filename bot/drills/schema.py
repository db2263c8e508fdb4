"""The drill scenario's JSON Schema, made from the models that validate it, so the two cannot disagree.

python -m bot.drills.schema   # rewrites bot/drills/scenario.schema.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.drills.scenario import Scenario

__all__ = ["SCHEMA_FILE", "render", "scenario_schema"]

SCHEMA_FILE = Path(__file__).with_name("scenario.schema.json")


def scenario_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sevbot drill scenario",
        "description": "A drill's story as YAML: bot/drills/scenarios/ (built in) and drills_dir (the team's).",
        **Scenario.model_json_schema(mode="validation"),
    }


def render() -> str:
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(render())
