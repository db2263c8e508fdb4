"""The deploy gate: `GET /deploys/{model}` for CI/CD and Argo Rollouts' `web` metric (200 go, 423 frozen, with the
reasons), and `POST /deploys/flagger` for Flagger's confirm-rollout / confirm-promotion webhooks (200 go, 403 hold).
The alert token guards both; Flagger sends it in `metadata.token`, having no way to set a header."""

from __future__ import annotations

import hmac
import json
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.deploys.freeze import holds
from bot.runtime.services import SERVICES

__all__ = ["add_routes"]

MAX_GATE_BODY = 64 * 1024  # Flagger's body is a few hundred bytes


class FlaggerWebhook(BaseModel):
    """What Flagger posts to a webhook (`name`, `namespace`, `phase`, `type`, `metadata`: strings)."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1, max_length=253)
    namespace: str = Field(default="", max_length=253)
    phase: str = Field(default="", max_length=64)
    type: str = Field(default="", max_length=64)
    metadata: dict[str, str] = Field(default_factory=dict)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _token_ok(request: web.Request, given: str | None) -> bool:
    token = request.app[SERVICES].settings.sevbot_alert_token
    if token is None or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.get_secret_value().encode())


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ") if header.startswith("Bearer ") else None


async def _answer(request: web.Request, model: str, *, held_status: int) -> web.Response:
    services = request.app[SERVICES]
    if model not in services.config.models:
        return _error(404, f"`{model}` is not a model in sevbot.yml")
    async with services.db.session_scope() as session:
        reasons = await holds(session, model)
    body: dict[str, Any] = {"model": model, "frozen": bool(reasons)}
    if reasons:
        body["reasons"] = [r.as_json() for r in reasons]
    return web.json_response(body, status=held_status if reasons else 200)


async def gate(request: web.Request) -> web.Response:
    if not _token_ok(request, _bearer(request)):
        return _error(401, "missing or wrong bearer token (Authorization: Bearer $SEVBOT_ALERT_TOKEN)")
    return await _answer(request, request.match_info["model"], held_status=423)


async def flagger(request: web.Request) -> web.Response:
    if (request.content_length or 0) > MAX_GATE_BODY:
        return _error(413, f"body over {MAX_GATE_BODY:,} bytes")
    try:
        raw = await request.read()
        data: Any = json.loads(raw)
        hook = FlaggerWebhook.model_validate(data)
    except (web.HTTPRequestEntityTooLarge, aiohttp.ClientPayloadError, web.RequestPayloadError, OSError):
        return _error(400, "body could not be read")
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, ValidationError):
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "body"
            return _error(400, f"{where}: {err['msg']}")
        return _error(400, "body is not JSON")
    if not _token_ok(request, hook.metadata.get("token") or _bearer(request)):
        return _error(401, "missing or wrong token (metadata.token, or Authorization: Bearer $SEVBOT_ALERT_TOKEN)")
    return await _answer(request, hook.metadata.get("model") or hook.name, held_status=403)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/deploys/{model}", gate)
    app.router.add_post("/deploys/flagger", flagger)
