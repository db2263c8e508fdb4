"""Each request a stand-in receives, checked against the service's published API description (`tests/data/
integrations/`): the path and method exist, required query parameters are there and within their enums, and the JSON
body validates against the operation's schema (OpenAPI 3 for PagerDuty and Jira, Swagger 2 for Opsgenie)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator
from openapi_schema_validator import OAS30Validator

__all__ = ["Described", "jira", "opsgenie", "pagerduty"]

DATA = Path(__file__).resolve().parents[1] / "data" / "integrations"


class Described:
    def __init__(self, name: str, *, base_path: str = "") -> None:
        self.doc: dict[str, Any] = json.loads((DATA / name).read_text())
        self.swagger = "swagger" in self.doc
        self.base_path = base_path
        self.paths = [(_pattern(template), template) for template in self.doc["paths"]]

    def _resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            cur: Any = self.doc
            for part in node["$ref"][2:].split("/"):
                cur = cur[part]
            node = cur
        return node

    def check(self, method: str, path: str, query: dict[str, str], body: Any) -> list[str]:
        path = path.removeprefix(self.base_path) or "/"
        template = next((t for pattern, t in self.paths if pattern.match(path)), None)
        if template is None:
            return [f"{path} is not a path of the description"]
        operation = self.doc["paths"][template].get(method.lower())
        if operation is None:
            return [f"{method} is not an operation of {template}"]
        problems: list[str] = []
        params = [
            self._resolve(p)
            for p in [*self.doc["paths"][template].get("parameters", []), *operation.get("parameters", [])]
        ]
        for param in params:
            if param.get("in") != "query":
                continue
            value = query.get(param["name"])
            if value is None:
                if param.get("required"):
                    problems.append(f"query parameter {param['name']} is required")
                continue
            enum = param.get("enum") or (param.get("schema") or {}).get("enum")
            if enum and value not in enum:
                problems.append(f"query parameter {param['name']}={value!r} is not one of {enum}")
        known = {p["name"] for p in params if p.get("in") == "query"}
        problems += [f"query parameter {name} is not in the description" for name in query if name not in known]
        schema = self._body_schema(operation)
        if schema is not None:
            if self.swagger:
                validator: Any = Draft4Validator({**schema, "definitions": self.doc.get("definitions", {})})
            else:
                validator = OAS30Validator({**schema, "components": self.doc.get("components", {})})
            problems += [
                f"body {'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in validator.iter_errors(body)
            ]
        return problems

    def _body_schema(self, operation: dict[str, Any]) -> dict[str, Any] | None:
        if self.swagger:
            body = next(
                (self._resolve(p) for p in operation.get("parameters", []) if self._resolve(p).get("in") == "body"),
                None,
            )
            return body.get("schema") if body else None
        request = self._resolve(operation.get("requestBody")) if operation.get("requestBody") else None
        if not request:
            return None
        return (
            self._resolve(request["content"]["application/json"]["schema"])
            if "application/json" in request["content"]
            else None
        )


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


def pagerduty() -> Described:
    return Described("pagerduty-events-v2.openapi.json", base_path="/v2")


def opsgenie() -> Described:
    return Described("opsgenie-alert.swagger.json")


def jira() -> Described:
    return Described("jira-platform-v3.openapi.json")
