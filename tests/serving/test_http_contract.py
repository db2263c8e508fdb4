"""The generic HTTP contract: a deploy service written from docs/serving-http.openapi.yaml, whose answers are
checked against that file, driven through sevbot's `http` backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from aiohttp import web

from bot.serving import Capability, ServingError, Unsupported
from bot.serving.http import HttpBackend
from tests.serving.platforms import serve_app

SPEC = yaml.safe_load((Path(__file__).parents[2] / "docs" / "serving-http.openapi.yaml").read_text())


def _check(instance: Any, ref: str) -> None:
    jsonschema.validate(instance, {"$ref": ref, "components": SPEC["components"]})


def _request_schema(move: str) -> Any:
    return SPEC["paths"][f"/models/{{model}}/{move}"]["post"]["requestBody"]


@pytest.fixture
async def service() -> AsyncIterator[tuple[str, list[tuple[str, Any, str]]]]:
    state: dict[str, Any] = {
        "live": "2.0.0",
        "previous": "1.8.2",
        "versions": [
            {"version": "1.8.2", "created_at": "2026-10-30T09:00:00Z", "dataset": "a91c3e0"},
            {"version": "2.0.0", "created_at": "2026-11-22T02:40:00Z", "dataset": "b4f7a10", "commit": "9d2c7a1e"},
        ],
        "fallback": False,
        "canary_percent": 20,
        "canary": "2.0.0",
        "review": False,
        "capabilities": ["rollback", "fallback", "canary", "review", "scale", "restart"],
        "replicas": 2,
    }
    calls: list[tuple[str, Any, str]] = []

    async def get(request: web.Request) -> web.Response:
        if request.match_info["model"] != "cv-detector":
            return web.json_response({"error": "no such model"}, status=404)
        _check(state, "#/components/schemas/State")
        return web.json_response(state)

    async def move(request: web.Request) -> web.Response:
        body = await request.json()
        move = request.match_info["move"]
        calls.append((move, body, request.headers.get("Authorization", "")))
        if move == "rollback":
            if body["to"] not in {v["version"] for v in state["versions"]}:
                return web.json_response({"error": f"unknown version {body['to']}"}, status=422)
            state["previous"], state["live"] = state["live"], body["to"]
        elif move == "canary":
            state["canary_percent"] = body["percent"]
        elif move == "scale":
            state["replicas"] = body["replicas"]
        elif move == "restart":
            state["restarts"] = state.get("restarts", 0) + 1
        else:
            state[move] = body["on"]
        return web.json_response(state)

    app = web.Application()
    app.router.add_get("/models/{model}", get)
    app.router.add_post("/models/{model}/{move}", move)
    async with serve_app(app) as url:
        yield url, calls


async def test_every_move_through_the_contract(
    service: tuple[str, list[tuple[str, Any, str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, calls = service
    monkeypatch.setenv("DEPLOY_TOKEN", "s3cret")
    backend = HttpBackend("cv-detector", {"url": url, "token_env": "DEPLOY_TOKEN"}, timeout_s=5)
    state = await backend.describe()
    assert state.live == "2.0.0" and state.previous == "1.8.2"
    assert state.canary == "2.0.0" and state.canary_percent == 20  # which version takes the canary's share
    assert state.version("2.0.0") is not None and state.version("2.0.0").lineage() == "data b4f7a10, commit 9d2c7a1"  # type: ignore[union-attr]
    assert (await backend.rollback("1.8.2")).live == "1.8.2"
    assert (await backend.fallback(True)).fallback is True
    assert (await backend.canary(0)).canary_percent == 0
    assert (await backend.review(True)).review is True
    assert (await backend.scale(4)).replicas == 4
    assert (await backend.restart()).live == "1.8.2"
    assert [c[0] for c in calls] == ["rollback", "fallback", "canary", "review", "scale", "restart"]
    assert all(auth == "Bearer s3cret" for _, _, auth in calls)
    bodies = dict((move, body) for move, body, _ in calls)
    for move, body in bodies.items():  # what sevbot sent is what the contract asks for
        request_body = _request_schema(move)
        if "$ref" in request_body:
            request_body = SPEC["components"]["requestBodies"][request_body["$ref"].rsplit("/", 1)[-1]]
        jsonschema.validate(body, request_body["content"]["application/json"]["schema"])
    assert bodies == {
        "rollback": {"to": "1.8.2"},
        "fallback": {"on": True},
        "canary": {"percent": 0},
        "review": {"on": True},
        "scale": {"replicas": 4},
        "restart": {},
    }
    with pytest.raises(ServingError, match=r"rollback to 9\.9\.9: 422 unknown version 9\.9\.9"):
        await backend.rollback("9.9.9")


async def test_a_controller_owns_the_weights(service: tuple[str, list[tuple[str, Any, str]]]) -> None:
    url, calls = service
    backend = HttpBackend("cv-detector", {"url": url, "traffic_owner": "Argo Rollouts"}, timeout_s=5)
    assert Capability.CANARY not in backend.capabilities
    with pytest.raises(Unsupported, match="Argo Rollouts owns cv-detector's traffic weights"):
        await backend.canary(0)
    assert calls == []


async def test_verdicts_go_to_the_service_and_come_back_from_it() -> None:
    """With `marks: true`, sevbot PUTs a version's verdict as the contract says; a version's `mark` is read back."""
    kept: list[tuple[str, Any]] = []

    async def put(request: web.Request) -> web.Response:
        body = await request.json()
        _check(body, "#/components/schemas/Mark")
        kept.append((request.match_info["version"], body))
        return web.Response(status=204)

    async def get(request: web.Request) -> web.Response:
        state = {
            "live": "2.0.0",
            "versions": [
                {"version": "1.8.2", "mark": {"verdict": "known-bad", "incident": "INC-9"}},
                {"version": "2.0.0"},
            ],
        }
        _check(state, "#/components/schemas/State")
        return web.json_response(state)

    app = web.Application()
    app.router.add_put("/models/{model}/versions/{version}/marks", put)
    app.router.add_get("/models/{model}", get)
    async with serve_app(app) as url:
        quiet = HttpBackend("cv-detector", {"url": url}, timeout_s=5)
        assert await quiet.write_mark("2.0.0", {"verdict": "known-bad"}) is False  # not asked to: nothing sent
        backend = HttpBackend("cv-detector", {"url": url, "marks": True}, timeout_s=5)
        mark = {"verdict": "known-good", "incident": "INC-3", "reason": "held", "window_s": 3600, "value": 0.61}
        assert await backend.write_mark("1.8.2", mark) is True
        state = await backend.describe()
    assert kept == [("1.8.2", mark)]
    old = state.version("1.8.2")
    assert old is not None and (old.verdict, old.verdict_incident) == ("known-bad", "INC-9")
