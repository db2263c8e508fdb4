"""A small JSON contract for in-house deploy services (OpenAPI: docs/serving-http.openapi.yaml).

    GET  {url}/models/{model}            → state
    POST {url}/models/{model}/rollback   {"to": "1.8.2"}  → state
    POST {url}/models/{model}/fallback   {"on": true}     → state
    POST {url}/models/{model}/canary     {"percent": 0}   → state
    POST {url}/models/{model}/review     {"on": true}     → state
    POST {url}/models/{model}/scale      {"replicas": 4}  → state
    POST {url}/models/{model}/restart    {}               → state
    PUT  {url}/models/{model}/versions/{version}/marks  {"verdict": "known-bad", …}  (with `marks: true`)

State: {"live", "previous", "versions": [{"version", "created_at", "commit", "dataset", "config_hash", "image",
"ready"}], "fallback", "canary_percent", "canary", "review", "capabilities": [...]}. Errors: any 4xx/5xx with {"error"}.
`token_env` names an environment variable holding a bearer token.

When a progressive-delivery controller (Argo Rollouts, Flagger) owns the traffic weights, set `traffic_owner`:
sevbot then refuses to set weights itself (it would fight the controller) and rollback calls the service's
`rollback`, which should use the controller's own abort (e.g. `kubectl argo rollouts abort`).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from bot.serving._http import request_json
from bot.serving.base import Backend, Capability, ServingState, Unsupported, Version

__all__ = ["HttpBackend"]


def _state(raw: dict[str, Any]) -> ServingState:
    versions = tuple(Version.from_dict(v) for v in raw.get("versions", []))
    return ServingState(
        live=str(raw["live"]) if raw.get("live") is not None else None,
        versions=versions,
        previous=str(raw["previous"]) if raw.get("previous") is not None else None,
        fallback=raw.get("fallback"),
        canary_percent=raw.get("canary_percent"),
        canary=str(raw["canary"]) if raw.get("canary") is not None else None,
        review=raw.get("review"),
        replicas=int(raw["replicas"]) if raw.get("replicas") is not None else None,
    )


class HttpBackend(Backend):
    name = "the deploy service"

    @property
    def capabilities(self) -> frozenset[Capability]:  # type: ignore[override]
        given = self.settings.get("capabilities")
        capabilities = frozenset(Capability(c) for c in given) if given else frozenset(Capability)
        return capabilities - {Capability.CANARY} if self.settings.get("traffic_owner") else capabilities

    def _headers(self) -> dict[str, str]:
        env = self.settings.get("token_env")
        token = os.environ.get(str(env)) if env else None
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def _call(self, method: str, path: str, what: str, body: Any = None) -> ServingState:
        url = f"{str(self.settings['url']).rstrip('/')}/models/{self.model}{path}"
        answer = await request_json(
            method, url, json=body, what=what, timeout_s=self.timeout_s, headers=self._headers()
        )
        return _state(answer)

    async def describe(self) -> ServingState:
        return await self._call("GET", "", "the deploy service")

    async def rollback(self, to: str) -> ServingState:
        return await self._call("POST", "/rollback", f"rollback to {to}", {"to": to})

    async def fallback(self, on: bool) -> ServingState:
        return await self._call("POST", "/fallback", "fallback", {"on": on})

    async def canary(self, percent: float) -> ServingState:
        owner = self.settings.get("traffic_owner")
        if owner:
            raise Unsupported(f"{owner} owns {self.model}'s traffic weights; change them through {owner}")
        return await self._call("POST", "/canary", "canary traffic", {"percent": percent})

    async def review(self, on: bool) -> ServingState:
        return await self._call("POST", "/review", "human review", {"on": on})

    async def scale(self, replicas: int) -> ServingState:
        return await self._call("POST", "/scale", f"scale to {replicas} replicas", {"replicas": replicas})

    async def restart(self) -> ServingState:
        return await self._call("POST", "/restart", "restart", {})

    async def write_mark(self, version: str, mark: dict[str, Any]) -> bool:
        """`PUT /models/{model}/versions/{version}/marks` where the service declares `marks` among its
        capabilities' extras (`settings.marks: true`); otherwise the verdict stays in sevbot's ledger."""
        if not self.settings.get("marks"):
            return False
        url = f"{str(self.settings['url']).rstrip('/')}/models/{self.model}/versions/{quote(version, safe='')}/marks"
        await request_json(
            "PUT", url, json=mark, what=f"marking {version}", timeout_s=self.timeout_s, headers=self._headers()
        )
        return True
