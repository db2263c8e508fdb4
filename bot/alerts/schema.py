"""The generic alert's JSON Schema, made from the models that validate it, so the two cannot disagree.

python -m bot.alerts.schema   # rewrites bot/alerts/generic_alert.schema.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from bot.alerts.sources import GenericAlert, GenericPayload

__all__ = ["SCHEMA_FILE", "generic_alert_schema"]

SCHEMA_FILE = Path(__file__).with_name("generic_alert.schema.json")


def generic_alert_schema() -> dict[str, Any]:
    schema = TypeAdapter(GenericAlert | GenericPayload).json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "sevbot generic alert",
        "description": 'POST /alerts/generic: one alert, or {"alerts": [...]} with up to 1,000 of them.',
        **schema,
    }


def render() -> str:
    return json.dumps(generic_alert_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(render())
