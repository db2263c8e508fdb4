"""Slack's Socket Mode, emulated: `apps.connections.open` with the app-level token (`xapp-…`) returns a WebSocket
URL; on connecting, the app gets `hello`; then each request (slash command, interaction, event) arrives as an
envelope `{envelope_id, type, payload, accepts_response_payload}` and the app acks with `{envelope_id,
payload?}` on the same socket — the payload of that ack is what the person sees, as with an HTTP response.

Like Slack: a bot token gets `not_allowed_token_type`, an unknown one `invalid_auth`; each URL is good for one
connection; an envelope with no ack within `ack_timeout_s` fails (Slack shows the person an error then).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Any

from aiohttp import WSMsgType, web

__all__ = ["SocketMode", "SocketModeError"]

log = logging.getLogger(__name__)


class SocketModeError(Exception):
    pass


class SocketMode:
    def __init__(self, *, app_token: str, app_id: str = "A0SEVBOT") -> None:
        self.app_token = app_token
        self.app_id = app_id
        self.tickets: set[str] = set()
        self.connections: list[web.WebSocketResponse] = []
        self.opened = 0  # connections ever made (a reconnect adds one)
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}

    def open(self, token: str | None, base_url: str) -> dict[str, Any]:
        """`apps.connections.open`: the body of Slack's answer."""
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token.startswith("xoxb-") or token.startswith("xoxp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        ticket = secrets.token_hex(8)
        self.tickets.add(ticket)
        return {"ok": True, "url": base_url.replace("http://", "ws://", 1) + f"/_socket/{ticket}"}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.match_info["ticket"]
        if ticket not in self.tickets:
            return web.Response(status=401, text="unknown or used Socket Mode URL")
        self.tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections.append(ws)
        self.opened += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self.connections),
                "debug_info": {"host": "emulator", "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
        )
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                ack = json.loads(message.data)
                waiting = self._acks.pop(str(ack.get("envelope_id")), None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(ack.get("payload") or {})
        finally:
            self.connections.remove(ws)
        return ws

    @property
    def connected(self) -> bool:
        return any(not ws.closed for ws in self.connections)

    async def send(self, kind: str, payload: dict[str, Any], *, ack_timeout_s: float = 3.0) -> dict[str, Any]:
        """Deliver one request to a connected app and wait for its ack; the ack's payload (may be empty)."""
        live = [ws for ws in self.connections if not ws.closed]
        if not live:
            raise SocketModeError("no app is connected over Socket Mode")
        envelope_id = secrets.token_hex(12)
        waiting: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = waiting
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await live[-1].send_json(envelope)
        try:
            return await asyncio.wait_for(waiting, ack_timeout_s)
        except TimeoutError as exc:
            raise SocketModeError(f"no ack for envelope {envelope_id} within {ack_timeout_s} s") from exc
        finally:
            self._acks.pop(envelope_id, None)

    async def refresh(self) -> None:
        """What Slack does every few hours: ask each connected app to reconnect on a new URL."""
        notice = {"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "emulator"}}
        for ws in [ws for ws in self.connections if not ws.closed]:
            await ws.send_json(notice)

    async def close(self) -> None:
        for ws in list(self.connections):
            await ws.close()
