"""The emulator's HTTP side: `POST /api/<method>` answers like Slack's Web API, plus `response_url` and
file-upload endpoints, and injectable faults (latency, `ratelimited` with `Retry-After`, HTTP 500, hangs)."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.tryout.emulator.socket_mode import SocketMode
from bot.tryout.emulator.state import ApiError, Message, Workspace

__all__ = ["Fault", "SlackEmulator"]

log = logging.getLogger(__name__)
JSON_FIELDS = ("blocks", "attachments", "view", "files")


@dataclass
class Fault:
    """Fail the next `times` calls of `method` (`*` for any): `ratelimited` (429), `server_error` (500),
    `timeout` (no answer for `hang_s`), `lost` (the call is applied, then the answer is lost: a 500), or any Slack
    error code (`ok: false`). `where` limits it to calls with
    those arguments, e.g. `{"channel": "U0009"}` for the direct messages to one person."""

    method: str
    error: str
    times: int = 1
    retry_after: int = 1
    hang_s: float = 30.0
    where: dict[str, str] | None = None
    chance: float = 1.0  # of each matching call failing (seeded: the same run fails the same calls)
    rng: random.Random = field(default_factory=lambda: random.Random(7))


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None


class SlackEmulator:
    """A stateful Slack Web API on loopback. `api_url` is what the bot's SLACK_API_URL points at."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-emulator",
        app_token: str = "xapp-1-emulator",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.workspace = Workspace(bot_token=bot_token, now=now)
        self.socket_mode = SocketMode(app_token=app_token)
        self.latency_s = 0.0
        # a test that plants mentions in an alert's words, which the bot must show literally (escaped, pinging
        # nobody): the harness's check for mentions escaped twice does not apply to it
        self.mentions_planted = False
        self.faults: list[Fault] = []
        self.calls: list[Call] = []
        self.response_urls: dict[str, dict[str, Any]] = {}
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._count = 0

    # ----- life -----
    def application(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_get("/_socket/{ticket}", self.socket_mode.handle)
        app.router.add_post("/_response/{key}", self._response_url)
        app.router.add_post("/_upload/{file_id}", self._upload)
        app.router.add_post("/_emulator/fault", self._add_fault)
        app.router.add_post("/_emulator/latency", self._set_latency)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.application(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.base_url = f"http://{host}:{sockets[0].getsockname()[1]}"
        return self.base_url

    async def stop(self) -> None:
        await self.socket_mode.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # ----- control -----
    def fail(
        self,
        method: str,
        error: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        hang_s: float = 30.0,
        where: dict[str, str] | None = None,
        chance: float = 1.0,
        seed: int = 7,
    ) -> None:
        self.faults.append(
            Fault(
                method,
                error,
                times=times,
                retry_after=retry_after,
                hang_s=hang_s,
                where=where,
                chance=chance,
                rng=random.Random(seed),
            )
        )

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def new_response_url(self, *, channel: str, user: str, message_ts: str | None = None) -> str:
        self._count += 1
        key = f"R{self._count:06d}"
        self.response_urls[key] = {"channel": channel, "user": user, "message_ts": message_ts}
        return f"{self.base_url}/_response/{key}"

    def _take_fault(self, method: str, args: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            matches = fault.where is None or all(str(args.get(k)) == v for k, v in fault.where.items())
            if fault.method in (method, "*") and fault.times > 0 and matches:
                if fault.chance < 1.0 and fault.rng.random() >= fault.chance:
                    continue
                fault.times -= 1
                return fault
        return None

    # ----- handlers -----
    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await _read_args(request)
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        fault = self._take_fault(method, args)
        lost = fault is not None and fault.error == "lost"  # applied below, then answered with a 500
        if fault is not None and not lost:
            self.calls.append(Call(method, args, False, fault.error))
            if fault.error == "ratelimited":
                return web.json_response(
                    {"ok": False, "error": "ratelimited"},
                    status=429,
                    headers={"Retry-After": str(fault.retry_after)},
                )
            if fault.error == "server_error":
                return web.Response(status=500, text="Internal Server Error")
            if fault.error == "timeout":
                await asyncio.sleep(fault.hang_s)
                return web.Response(status=504, text="Gateway Timeout")
            return web.json_response({"ok": False, "error": fault.error})
        token = _token(request, args)
        if method == "apps.connections.open":  # the one method that takes the app-level token
            opened = self.socket_mode.open(token, self.base_url)
            self.calls.append(Call(method, args, bool(opened["ok"]), opened.get("error")))
            return web.json_response(opened)
        if token != self.workspace.bot_token:
            self.calls.append(Call(method, args, False, "invalid_auth" if token else "not_authed"))
            return web.json_response({"ok": False, "error": "invalid_auth" if token else "not_authed"})
        handler = getattr(self.workspace, method.replace(".", "_"), None)
        if handler is None:
            self.calls.append(Call(method, args, False, "unknown_method"))
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        try:
            body = handler(self.workspace.bot.id, args)
        except ApiError as exc:
            self.calls.append(Call(method, args, False, exc.error))
            return web.json_response({"ok": False, "error": exc.error, **exc.extra})
        if method == "files.getUploadURLExternal":
            body["upload_url"] = self.base_url + body["upload_url"]
        self.calls.append(Call(method, args, True, "lost" if lost else None))
        if lost:
            return web.Response(status=500, text="Internal Server Error (the call was applied; its answer was lost)")
        return web.json_response({"ok": True, **body})

    async def _response_url(self, request: web.Request) -> web.Response:
        target = self.response_urls.get(request.match_info["key"])
        if target is None:
            return web.Response(status=404, text="no such response_url")
        body = await request.json()
        self.workspace.responses.append({**body, **target})
        channel = self.workspace.channels.get(target["channel"])
        if channel is not None:
            if body.get("delete_original") and target["message_ts"]:
                channel.messages = [m for m in channel.messages if m.ts != target["message_ts"]]
            elif body.get("replace_original") and target["message_ts"]:
                original = channel.message(target["message_ts"])
                original.text, original.blocks, original.edited = (
                    body.get("text", ""),
                    body.get("blocks", []),
                    True,
                )
            else:
                ephemeral = None if body.get("response_type") == "in_channel" else target["user"]
                channel.messages.append(
                    Message(
                        ts=self.workspace._ts(),
                        user=self.workspace.bot.id,
                        text=body.get("text", ""),
                        blocks=body.get("blocks") or [],
                        ephemeral_to=ephemeral,
                    )
                )
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        stored = self.workspace.files.get(request.match_info["file_id"])
        if stored is None:
            return web.Response(status=404, text="unknown file")
        content = await request.read()
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            part = await reader.next()
            content = await part.read() if part is not None else b""  # type: ignore[union-attr]
        stored["content"] = content
        return web.Response(text=f"OK - {len(content)}")

    async def _add_fault(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.fail(
            body["method"],
            body["error"],
            times=int(body.get("times", 1)),
            retry_after=int(body.get("retry_after", 1)),
        )
        return web.json_response({"ok": True})

    async def _set_latency(self, request: web.Request) -> web.Response:
        self.latency_s = float((await request.json())["seconds"])
        return web.json_response({"ok": True})


async def _read_args(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)  # slack_sdk sends many methods' arguments as query parameters
    if request.content_type == "application/json":
        raw = await request.text()
        args.update(json.loads(raw) if raw else {})
    else:
        args.update((await request.post()).items())
    for name in JSON_FIELDS:
        if isinstance(args.get(name), str):
            try:
                args[name] = json.loads(args[name])
            except json.JSONDecodeError:
                args[name] = None
    return args


def _token(request: web.Request, args: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    token = args.pop("token", None)
    return str(token) if token else None
