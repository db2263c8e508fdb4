"""`sevbot sandbox`: try sevbot by hand without a Slack workspace. One process runs the bot's real aiohttp server, the
Slack emulator, SQLite in a temporary folder and the simulated model service; the bot's own server also serves a page
at `/` that shows the emulated workspace as Slack would and sends what a person does there (a typed `/incident …`, a
click, a form) to the bot as Slack would: signed requests to `/slack/events`. Alerts from the demo's scenarios come in
through the real `/alerts/*` endpoints.

The page polls `/sandbox/state` (about once a second) and redraws what changed; it has no build step
(`bot/tryout/emulator/sandbox.html`)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import signal
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.clock import SystemClock
from bot.config import Config, parse_config
from bot.drills import built_in
from bot.runtime.server import ServerOptions
from bot.serving.simulated import SimulatedBackend
from bot.tryout.demo import DEMO_CONFIG, PEOPLE
from bot.tryout.emulator import SlackEmulator
from bot.tryout.emulator.driver import Reply
from bot.tryout.emulator.sandbox import Sandbox, sandbox
from bot.tryout.emulator.state import ApiError, Message, Workspace
from bot.tryout.emulator.webhooks import camera_alerts
from bot.tryout.integrations import Beyond

__all__ = ["PAGE", "SCENARIOS", "run_sandbox", "sandbox_routes"]

log = logging.getLogger(__name__)

PAGE = Path(__file__).resolve().parent / "emulator" / "sandbox.html"
_BOX = web.AppKey("sandbox_box", dict)
DEPLOYED = timedelta(minutes=25)  # how long ago the sandbox's cv-detector 2.0.0 went live


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cameras(status: str, cameras: range, value: float, now: datetime) -> dict[str, Any]:
    """The demo's per-camera mAP alerts, on the wall clock: impact from 10 min ago, 2.0.0 deployed 25 min ago."""
    return camera_alerts(
        status,
        cameras,
        value,
        starts_at=_iso(now - timedelta(minutes=10)),
        ends_at=_iso(now),
        deployed_at=_iso(now - DEPLOYED),
    )


def _drift(_now: datetime) -> dict[str, Any]:
    return {
        "model": "ranker",
        "metric": "score_psi",
        "name": "RankerScoreDrift",
        "summary": "ranker score drift",
        "histograms": {"baseline": [120, 340, 310, 160, 70], "current": [60, 210, 330, 250, 150]},
    }


# name: (label, alert source, body for now)
SCENARIOS: dict[str, tuple[str, str, Any]] = {
    "cv-localized": (
        "cv-detector mAP below SLO on cameras 23–38 (Alertmanager)",
        "alertmanager",
        lambda now: _cameras("firing", range(23, 39), 0.38, now),
    ),
    "cv-spreads": (
        "…and on cameras 39–40 too",
        "alertmanager",
        lambda now: _cameras("firing", range(23, 41), 0.38, now),
    ),
    "cv-resolved": (
        "cv-detector's camera alerts resolve",
        "alertmanager",
        lambda now: _cameras("resolved", range(23, 41), 0.61, now),
    ),
    "ranker-drift": ("ranker score drift, PSI over 0.2 (generic monitor)", "generic", _drift),
    # not an alert: the release pipeline starts a canary, which the guardrail watch reads at each tick
    "cv-canary": ("a canary of cv-detector 2.1.0 at 5 % (its mAP guardrail breaks in 1 min)", "canary", None),
    # not alerts either: alice starts a drill with bob (`/incident drill <name> 10 @bob` in #general)
    **{
        f"drill-{name}": (f"Drill: {scenario.title} (10× speed)", "drill", name)
        for name, scenario in built_in().items()
    },
}


def sandbox_routes(app: web.Application, holder: dict[str, Any]) -> None:
    """The page and its API, on the bot's own app. `holder["box"]` is the running sandbox (set once it started)."""
    app[_BOX] = holder
    app.router.add_get("/", _page)
    app.router.add_get("/sandbox/state", _state)
    app.router.add_get("/sandbox/files/{file_id}", _file)
    app.router.add_post("/sandbox/slash", _slash)
    app.router.add_post("/sandbox/post", _post)
    app.router.add_post("/sandbox/click", _click)
    app.router.add_post("/sandbox/shortcut", _shortcut)
    app.router.add_post("/sandbox/submit", _submit)
    app.router.add_post("/sandbox/close", _close)
    app.router.add_post("/sandbox/home", _home)
    app.router.add_post("/sandbox/home/click", _home_click)
    app.router.add_post("/sandbox/join", _join)
    app.router.add_post("/sandbox/alert/{scenario}", _alert)


def _box(request: web.Request) -> Sandbox:
    box = request.app[_BOX].get("box")
    if box is None:
        raise web.HTTPServiceUnavailable(text="the sandbox is starting")
    return box  # type: ignore[no-any-return]


def _closed(request: web.Request) -> set[str]:
    """The forms people closed (Slack closes a modal on submit or Cancel): not shown again."""
    return request.app[_BOX].setdefault("closed", set())  # type: ignore[no-any-return]


async def _page(request: web.Request) -> web.Response:
    return web.Response(text=PAGE.read_text(encoding="utf-8"), content_type="text/html")


async def _body(request: web.Request, *names: str) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="a JSON body is expected") from None
    if not isinstance(body, dict) or any(not isinstance(body.get(n), str) or not body.get(n) for n in names):
        raise web.HTTPBadRequest(text=f"expected a JSON object with {', '.join(names)}")
    return body


def _user(ws: Workspace, user: str) -> str:
    if user not in ws.users:
        raise web.HTTPBadRequest(text=f"no such person: {user}")
    return user


def _message(ws: Workspace, m: Message, channel_id: str) -> dict[str, Any]:
    author = ws.users.get(m.user)
    return {
        "ts": m.ts,
        "user": m.user,
        "author": m.username or (author.name if author else m.user),
        "is_bot": m.user == ws.bot.id or bool(m.username),
        "text": m.text,
        "blocks": m.blocks,
        "files": [
            {**f, "url": f"/sandbox/files/{f['id']}", "image": str(f.get("name", "")).endswith(".png")} for f in m.files
        ],
        "thread_ts": m.thread_ts,
        "edited": m.edited,
        "ephemeral": m.ephemeral_to is not None,
        "subtype": m.subtype,
        "pinned": m.ts in ws.channels[channel_id].pins,
    }


async def _state(request: web.Request) -> web.Response:
    box = _box(request)
    ws = box.ws
    user = _user(ws, request.query.get("user", "U0002"))
    channels = [
        {
            "id": c.id,
            "name": (f"@{ws.users[other].name}" if (other := _other(c.members, user)) in ws.users else c.name)
            if c.is_im
            else c.name,
            "is_im": c.is_im,
            "topic": c.topic,
            "member": user in c.members,
            "messages": len([m for m in c.messages if m.ephemeral_to in (None, user)]),
        }
        for c in ws.channels.values()
        if not c.is_im or user in c.members
    ]
    wanted = request.query.get("channel") or ws.channel_named("ml-alerts").id
    channel = ws.channels.get(wanted) or ws.channel_named("ml-alerts")
    messages = [_message(ws, m, channel.id) for m in channel.messages if m.ephemeral_to in (None, user)]
    closed = _closed(request)
    views = [
        {**view, "id": view_id}
        for view_id, view in ws.views.items()
        if ws.view_users.get(view_id) == user and view_id not in closed
    ]
    return web.json_response(
        {
            "me": user,
            "users": {u.id: u.name for u in ws.users.values()},
            "people": [{"id": u, "name": n} for u, n in PEOPLE.items()],
            "channels": channels,
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "topic": channel.topic,
                "is_im": channel.is_im,
                "member": user in channel.members,
                "bookmarks": channel.bookmarks,
                "pins": len(channel.pins),
                "messages": messages,
            },
            "view": views[-1] if views else None,
            "home": (ws.homes.get(user) or {}).get("blocks"),  # sevbot's App Home tab, as last published for them
            "scenarios": [{"id": k, "label": label} for k, (label, _, _) in SCENARIOS.items()],
            "beyond": _beyond(request),
        }
    )


def _beyond(request: web.Request) -> list[str]:
    """What PagerDuty and Jira (the sandbox's stand-ins) received, newest last."""
    beyond: Beyond = request.app[_BOX]["beyond"]
    beyond.news()
    return beyond.told[-12:]


def _other(members: list[str], user: str) -> str:
    return next((m for m in members if m != user), user)


async def _file(request: web.Request) -> web.Response:
    stored = _box(request).ws.files.get(request.match_info["file_id"])
    if stored is None or stored["content"] is None:
        raise web.HTTPNotFound(text="no such file")
    name = str(stored["name"])
    kind = "image/png" if name.endswith(".png") else "text/plain"
    return web.Response(
        body=bytes(stored["content"]), content_type=kind, charset=None if kind == "image/png" else "utf-8"
    )


def _answer(reply: Reply) -> web.Response:
    body = reply.json if isinstance(reply.json, dict) else {}
    return web.json_response({"status": reply.status, "ack": body, "text": reply.ephemeral_text})


async def _slash(request: web.Request) -> web.Response:
    body = await _body(request, "user", "channel", "text")
    box = _box(request)
    text = str(body["text"]).strip()
    if not text.startswith("/incident"):
        raise web.HTTPBadRequest(text="only /incident is installed here")
    reply = await box.driver.slash(_user(box.ws, body["user"]), body["channel"], text.removeprefix("/incident").strip())
    return _answer(reply)


async def _post(request: web.Request) -> web.Response:
    body = await _body(request, "user", "channel", "text")
    box = _box(request)
    try:
        ts = box.ws.post_as(_user(box.ws, body["user"]), body["channel"], str(body["text"])[:4000])
    except (ApiError, KeyError) as exc:  # the emulator's own refusal (not_in_channel, is_archived…), as Slack's
        raise web.HTTPBadRequest(text=f"Slack would refuse: {exc}") from None
    return web.json_response({"ts": ts})


async def _click(request: web.Request) -> web.Response:
    body = await _body(request, "user", "channel", "ts", "action_id")
    box = _box(request)
    try:
        reply = await box.driver.click(
            _user(box.ws, body["user"]), body["channel"], body["ts"], body["action_id"], value=body.get("value")
        )
    except (LookupError, KeyError) as exc:
        raise web.HTTPBadRequest(text=f"that button is no longer there ({exc})") from None
    return _answer(reply)


async def _shortcut(request: web.Request) -> web.Response:
    body = await _body(request, "user", "channel", "ts", "callback_id")
    box = _box(request)
    reply = await box.driver.message_shortcut(
        _user(box.ws, body["user"]), body["channel"], body["ts"], body["callback_id"]
    )
    return _answer(reply)


async def _submit(request: web.Request) -> web.Response:
    body = await _body(request, "user", "view_id")
    box = _box(request)
    if body["view_id"] not in box.ws.views:
        raise web.HTTPBadRequest(text="that form is no longer open")
    given = body.get("values")
    values: dict[str, Any] = given if isinstance(given, dict) else {}
    reply = await box.driver.submit(_user(box.ws, body["user"]), body["view_id"], values)
    answer = reply.json if isinstance(reply.json, dict) else {}
    if answer.get("response_action") not in ("errors", "update"):  # Slack closes it unless the app says why not
        _closed(request).add(body["view_id"])
    return web.json_response({"status": reply.status, "ack": answer})


async def _close(request: web.Request) -> web.Response:
    body = await _body(request, "view_id")
    _closed(request).add(body["view_id"])
    return web.json_response({"closed": body["view_id"]})


async def _home(request: web.Request) -> web.Response:
    """The person opens sevbot's Home tab: Slack's `app_home_opened` event; the bot publishes it."""
    body = await _body(request, "user")
    box = _box(request)
    return _answer(await box.driver.open_home(_user(box.ws, body["user"])))


async def _home_click(request: web.Request) -> web.Response:
    body = await _body(request, "user", "action_id")
    box = _box(request)
    try:
        reply = await box.driver.click_home(_user(box.ws, body["user"]), body["action_id"], value=body.get("value"))
    except (LookupError, KeyError) as exc:
        raise web.HTTPBadRequest(text=f"that button is no longer there ({exc})") from None
    return _answer(reply)


async def _join(request: web.Request) -> web.Response:
    """The person joins a channel: Slack tells the bot (`member_joined_channel`); late to an incident, a catch-up."""
    body = await _body(request, "user", "channel")
    box = _box(request)
    if body["channel"] not in box.ws.channels:
        raise web.HTTPBadRequest(text="no such channel")
    return _answer(await box.driver.join(_user(box.ws, body["user"]), body["channel"]))


async def _alert(request: web.Request) -> web.Response:
    scenario = SCENARIOS.get(request.match_info["scenario"])
    if scenario is None:
        raise web.HTTPNotFound(text="no such scenario")
    _, source, make = scenario
    box = _box(request)
    if source == "canary":
        settings = box.services.config.models["cv-detector"].serving.model_dump()
        state = await SimulatedBackend("cv-detector", settings).canary(5)
        return web.json_response({"status": 200, "answer": {"canary": state.canary, "percent": state.canary_percent}})
    if source == "drill":
        reply = await box.driver.slash("U0001", box.channel("general").id, f"drill {make} 10 <@U0002>")
        return web.json_response({"status": reply.status, "answer": reply.ephemeral_text})
    status, answer = await box.post_alert(source, make(datetime.now(UTC)))
    return web.json_response({"status": status, "answer": answer})


async def run_sandbox(*, host: str = "127.0.0.1", port: int = 8000) -> int:
    """Run until interrupted (Ctrl-C or SIGTERM)."""
    clock = SystemClock()
    SimulatedBackend.reset(clock.now)
    emulator = SlackEmulator()
    for user_id, name in PEOPLE.items():
        emulator.workspace.add_user(user_id, name)
    for name in ("general", "ml-alerts", "incidents", "critical-incidents"):
        emulator.workspace.add_channel(name, members=list(PEOPLE))
    emulator.workspace.users["U0003"].email = "carol@example.com"  # Jira knows carol by her email
    now = clock.now()
    settings: dict[str, Any] = copy.deepcopy(DEMO_CONFIG)  # the demo's models, their versions on the wall clock
    settings["models"]["cv-detector"]["serving"]["versions"] = [
        {"version": "1.8.2", "dataset": "a91c3e0", "commit": "4be1f0c9", "created_at": _iso(now - timedelta(days=31))},
        {"version": "2.0.0", "dataset": "b4f7a10", "commit": "9d2c7a1e", "created_at": _iso(now - DEPLOYED)},
        {
            "version": "2.1.0",
            "dataset": "c0de5e1",
            "commit": "77e1b2f0",
            "created_at": _iso(now - timedelta(minutes=5)),
        },
    ]
    guardrails = settings["models"]["cv-detector"]["guardrails"]  # by hand, a minute is long enough to watch
    guardrails["for"], guardrails["countdown"] = "1m", "1m"
    beyond = Beyond()  # PagerDuty and Jira, as the demo has them: what they receive is shown in the sidebar
    await beyond.start()
    config = parse_config(beyond.config(settings), source="sandbox configuration")
    holder: dict[str, Any] = {"beyond": beyond}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await _serve(config, emulator, holder, beyond, stop, host=host, port=port)
    finally:
        await beyond.stop()
    return 0


async def _serve(
    config: Config,
    emulator: SlackEmulator,
    holder: dict[str, Any],
    beyond: Beyond,
    stop: asyncio.Event,
    *,
    host: str,
    port: int,
) -> None:
    with tempfile.TemporaryDirectory(prefix="sevbot-sandbox-") as folder:
        url = f"sqlite:///{Path(folder) / 'sevbot.db'}"
        options = ServerOptions(poll_s=0.2, tick_s=10, credentials=beyond.credentials())
        async with sandbox(
            database_url=url,
            config=config,
            emulator=emulator,
            options=options,
            host=host,
            port=port,
            setup=lambda app: sandbox_routes(app, holder),
        ) as box:
            holder["box"] = box
            shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
            print(f"sevbot sandbox: open http://{shown}:{port}/ (Ctrl-C stops it)", flush=True)
            await stop.wait()
