"""`POST /alerts/{alertmanager,grafana,generic}`: token, size and shape checked before anything is stored."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.alerts.intake import IntakeError
from bot.alerts.sources import AlertmanagerPayload, GenericPayload, GrafanaPayload
from bot.runtime.services import MAX_BODY, SERVICES

__all__ = ["SOURCES", "add_routes"]

log = logging.getLogger(__name__)
MAX_DEPTH = 32  # the deepest real payload (generic alert → histograms → rows) is 5
SOURCES: dict[str, type[BaseModel]] = {
    "alertmanager": AlertmanagerPayload,
    "grafana": GrafanaPayload,
    "generic": GenericPayload,
}


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _first_problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "body"
    return f"{where}: {err['msg'].removeprefix('Value error, ')}"


def _authorised(request: web.Request) -> bool:
    token = request.app[SERVICES].settings.sevbot_alert_token
    if token is None:
        return False
    given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")  # any bytes: just unequal
    return hmac.compare_digest(given, f"Bearer {token.get_secret_value()}".encode())


def _problem(data: Any) -> str | None:
    """What no alert can hold, found without recursion: nesting past MAX_DEPTH, or text that is not Unicode (a lone
    surrogate from a `\\ud800` escape), with where it is."""
    stack: list[tuple[Any, str, int]] = [(data, "body", 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"body: nested more than {MAX_DEPTH} deep"
        if isinstance(value, str):
            if not _encodable(value):
                return f"{where}: not valid Unicode (a lone surrogate)"
        elif isinstance(value, dict):
            for key, item in value.items():
                if not _encodable(key):
                    return f"{where}: a key is not valid Unicode (a lone surrogate)"
                stack.append((item, key if where == "body" else f"{where}.{key}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{where}.{index}", depth + 1) for index, item in enumerate(value))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def receive(request: web.Request) -> web.Response:
    schema = SOURCES.get(request.match_info["source"])
    if schema is None:
        return _error(404, f"no alert source {request.match_info['source']!r}: use {', '.join(SOURCES)}")
    if not _authorised(request):
        return _error(401, "missing or wrong bearer token (Authorization: Bearer $SEVBOT_ALERT_TOKEN)")
    if (request.content_length or 0) > MAX_BODY:
        return _error(413, f"body over {MAX_BODY:,} bytes")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, f"body over {MAX_BODY:,} bytes")
    except (web.RequestPayloadError, aiohttp.ClientPayloadError, ValueError, OSError) as exc:  # gzip on a plain body
        encoding = request.headers.get("Content-Encoding", "none")
        refused = _error(400, f"body could not be decoded (Content-Encoding: {encoding}): {type(exc).__name__}")
        refused.force_close()  # what is left of the body would be read as the next request
        return refused
    try:
        data: Any = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deep" if isinstance(exc, RecursionError) else str(exc)
        return _error(400, f"body is not JSON: {reason}")
    problem = _problem(data)
    if problem:
        return _error(400, problem)
    if schema is GenericPayload and isinstance(data, dict) and "alerts" not in data:
        data = {"alerts": [data]}
    try:
        payload = schema.model_validate(data)
        alerts = payload.normalize()  # type: ignore[attr-defined]
    except ValidationError as exc:
        return _error(400, _first_problem(exc))
    services = request.app[SERVICES]
    try:
        result = await services.intake.submit(alerts)
    except IntakeError as exc:  # logged by the intake; the sender retries on 5xx (Alertmanager does)
        return _error(503, f"{exc}: try again")
    services.dispatcher.wake()
    services.metrics.alerts.labels(source=request.match_info["source"]).inc(len(alerts))
    return web.json_response(result.as_json(), status=202)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/alerts/{source}", receive)
