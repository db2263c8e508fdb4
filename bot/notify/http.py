"""`POST /paging/pagerduty`: PagerDuty's v3 webhooks for the pages sevbot sent (`incident.acknowledged`,
`incident.resolved`, `incident.reassigned`). The signature (`X-PagerDuty-Signature: v1=<HMAC-SHA256 of the raw body>`,
several during a secret's rotation) is checked on the raw bytes before anything is parsed; anything else is 401 and
changes nothing. Other event types, and pages sevbot did not send, are answered 200 and ignored (PagerDuty retries
anything else)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import aiohttp
from aiohttp import web

from bot.notify.pager_events import pager_said
from bot.runtime.services import SERVICES

__all__ = ["add_routes", "signature_ok"]

MAX_WEBHOOK_BODY = 256 * 1024
TAKEN = {"incident.acknowledged": "acknowledged", "incident.resolved": "resolved", "incident.reassigned": "reassigned"}


def signature_ok(body: bytes, header: str, secret: str) -> bool:
    expected = "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected.encode(), given.strip().encode()) for given in header.split(",") if given)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _summary(ref: Any) -> str:
    return str(ref.get("summary") or ref.get("id") or "")[:200] if isinstance(ref, dict) else ""


async def pagerduty(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    secret = services.credentials.pagerduty_webhook_secret
    if secret is None:
        return _error(401, "no webhook secret is set up (integrations.pagerduty.webhook_secret_env): nothing accepted")
    if (request.content_length or 0) > MAX_WEBHOOK_BODY:
        return _error(413, f"body over {MAX_WEBHOOK_BODY:,} bytes")
    try:
        body = await request.read()
    except (web.HTTPRequestEntityTooLarge, aiohttp.ClientPayloadError, web.RequestPayloadError, OSError):
        return _error(400, "body could not be read")
    if not signature_ok(body, request.headers.get("X-PagerDuty-Signature", ""), secret.get_secret_value()):
        return _error(401, "missing or wrong X-PagerDuty-Signature")
    try:
        payload = json.loads(body)
        event = payload["event"] if isinstance(payload, dict) else None
        if not isinstance(event, dict):
            raise TypeError("`event` is not an object")
        kind = str(event["event_type"])
        data = event.get("data") or {}
        if not isinstance(data, dict):
            raise TypeError("`event.data` is not an object")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        return _error(400, f"not a PagerDuty v3 webhook: {type(exc).__name__} {exc}")
    status = TAKEN.get(kind)
    key = data.get("incident_key")
    if status is None or not isinstance(key, str) or not key:
        return web.json_response({"ignored": f"{kind}: not an event sevbot records"})
    assignees = [_summary(a) for a in data.get("assignees") or [] if isinstance(a, dict)]
    async with services.db.session_scope() as session:
        outcome = await pager_said(
            session,
            via="pagerduty",
            key=key,
            status=status,
            event_id=str(event.get("id") or "")[:100],
            who=_summary(event.get("agent")) or None,
            assignees=assignees,
            url=str(data.get("html_url") or "")[:500] or None,
            now=services.clock.now(),
        )
    services.dispatcher.wake()
    return web.json_response({"ok": True, "outcome": outcome})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/paging/pagerduty", pagerduty)
