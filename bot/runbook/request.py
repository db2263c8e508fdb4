"""The exact request of a runbook action: placeholders filled (`$input`, `$model`, `$incident`, `$version`),
percent-encoded in the URL's path and query (its host is fixed by the configuration), kept as JSON values in the
body (encoded when sent, never concatenated into it), the token from the environment. `shown` is the same request
with the secret masked: what the plan puts before the person who confirms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bot.config import Config, RunbookAction
from bot.errors import Problem, UserError

__all__ = ["MASK", "Prepared", "check_input", "prepare", "runbook_action"]

MASK = "•••"
MAX_INPUT = 200
_PLACEHOLDER = re.compile(r"\$(input|model|incident|version)\b")


@dataclass(frozen=True)
class Prepared:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)  # with the secret: sent, never stored or shown
    body: Any = None
    timeout_s: float = 20.0

    def shown(self) -> dict[str, Any]:
        """The request as the plan and the timeline keep it: the token masked."""
        headers = {k: (f"Bearer {MASK}" if k.lower() == "authorization" else v) for k, v in self.headers.items()}
        return {"method": self.method, "url": self.url, "headers": headers, "body": self.body}


def runbook_action(config: Config, model: str, name: str) -> RunbookAction:
    settings = config.model(model)
    actions = settings.actions if settings is not None else {}
    found = actions.get(name.lower())
    if found is None:
        raise UserError(Problem.UNKNOWN_RUNBOOK_ACTION, model=model, action=name, known=sorted(actions))
    return found


def check_input(name: str, action: RunbookAction, given: str | None) -> str | None:
    """The person's input, as the action wants it, or a UserError that says what is wrong (nothing is stored)."""
    given = (given or "").strip() or None
    if action.input is None:
        if given is not None:
            raise UserError(Problem.RUN_TAKES_NO_INPUT, action=name)
        return None
    if given is None:
        raise UserError(
            Problem.RUN_NEEDS_INPUT, action=name, label=action.input.label, placeholder=action.input.placeholder
        )
    if len(given) > MAX_INPUT or not re.fullmatch(action.input.pattern, given):
        raise UserError(
            Problem.RUN_BAD_INPUT, action=name, label=action.input.label, pattern=action.input.pattern, given=given[:80]
        )
    return given


def _fill(text: str, values: Mapping[str, str], *, encode: bool) -> str:
    return _PLACEHOLDER.sub(lambda m: quote(values[m.group(1)], safe="") if encode else values[m.group(1)], text)


def _fill_json(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _fill(value, values, encode=False)
    if isinstance(value, list):
        return [_fill_json(v, values) for v in value]
    if isinstance(value, dict):
        return {k: _fill_json(v, values) for k, v in value.items()}
    return value


def prepare(
    action: RunbookAction,
    *,
    model: str,
    incident: int | None,
    version: str | None,
    given: str | None,
    token: str | None,
) -> Prepared:
    values = {"input": given or "", "model": model, "incident": str(incident or ""), "version": version or ""}
    head, sep, rest = action.url.partition("://")
    host, slash, path = rest.partition("/")
    url = f"{head}{sep}{host}{slash}{_fill(path, values, encode=True)}"
    headers = dict(action.headers)
    if action.token_env:
        headers["Authorization"] = f"Bearer {token or ''}"
    body = _fill_json(action.body, values) if action.body is not None else None
    return Prepared(method=action.method, url=url, headers=headers, body=body, timeout_s=action.timeout_s)
