"""KServe InferenceService (serving.kserve.io/v1beta1) through the Kubernetes API.

What is live and what was live before come from the service's own status: `status.components.predictor`
`latestRolledoutRevision` / `previousRolledoutRevision` and its `traffic` list. `canary <percent>` patches
`spec.predictor.canaryTrafficPercent`; rollback sets it to 0, which KServe documents as sending all traffic back
to the previously rolled-out revision; `scale <n>` patches `spec.predictor.minReplicas`. Kubernetes cannot run
here, so the tests check the requests and answers against KServe's documented shapes (README says so).
"""

from __future__ import annotations

import os
from typing import Any

from bot.serving._http import request_json
from bot.serving.base import Backend, Capability, ServingError, ServingState, Version

__all__ = ["KServeBackend"]


class KServeBackend(Backend):
    name = "KServe"
    capabilities = frozenset({Capability.ROLLBACK, Capability.CANARY, Capability.SCALE})

    @property
    def _url(self) -> str:
        namespace = self.settings.get("namespace", "default")
        service = self.settings.get("inference_service") or self.model
        base = str(self.settings["url"]).rstrip("/")
        return f"{base}/apis/serving.kserve.io/v1beta1/namespaces/{namespace}/inferenceservices/{service}"

    def _headers(self, patch: bool = False) -> dict[str, str]:
        headers = {"Content-Type": "application/merge-patch+json"} if patch else {}
        env = self.settings.get("token_env")
        token = os.environ.get(str(env)) if env else None
        return {**headers, "Authorization": f"Bearer {token}"} if token else headers

    async def _get(self) -> dict[str, Any]:
        answer: dict[str, Any] = await request_json(
            "GET", self._url, what="KServe InferenceService", timeout_s=self.timeout_s, headers=self._headers()
        )
        return answer

    @staticmethod
    def _state(isvc: dict[str, Any]) -> ServingState:
        predictor = isvc.get("status", {}).get("components", {}).get("predictor", {})
        traffic = predictor.get("traffic", [])
        revisions = {t["revisionName"]: t for t in traffic if t.get("revisionName")}
        live = predictor.get("latestRolledoutRevision") or predictor.get("latestReadyRevision")
        previous = predictor.get("previousRolledoutRevision")
        names = [n for n in (previous, live, predictor.get("latestCreatedRevision"), *revisions) if n]
        versions = tuple(
            Version(
                version=n,
                ready=n != predictor.get("latestCreatedRevision") or n == predictor.get("latestReadyRevision"),
            )
            for n in dict.fromkeys(names)
        )
        canary = isvc.get("spec", {}).get("predictor", {}).get("canaryTrafficPercent")
        floor = isvc.get("spec", {}).get("predictor", {}).get("minReplicas")
        image = isvc.get("spec", {}).get("predictor", {}).get("model", {}).get("storageUri")
        return ServingState(
            live=live,
            versions=versions,
            previous=previous,
            canary_percent=float(canary) if canary is not None else None,
            # the latest ready revision takes canaryTrafficPercent, the previous rolled-out one the rest
            canary=live if canary is not None and 0 < float(canary) < 100 and previous else None,
            details={"traffic": {n: t.get("percent") for n, t in revisions.items()}, "storage_uri": image},
            replicas=int(floor) if floor is not None else None,
        )

    async def describe(self) -> ServingState:
        return self._state(await self._get())

    async def _patch(self, what: str, percent: float) -> ServingState:
        return await self._merge(what, {"canaryTrafficPercent": round(percent)})

    async def _merge(self, what: str, predictor: dict[str, Any]) -> ServingState:
        answer = await request_json(
            "PATCH",
            self._url,
            json={"spec": {"predictor": predictor}},
            what=what,
            timeout_s=self.timeout_s,
            headers=self._headers(patch=True),
        )
        return self._state(answer)

    async def rollback(self, to: str) -> ServingState:
        state = await self.describe()
        if to != state.previous:
            raise ServingError(
                f"KServe can only go back to the previously rolled-out revision ({state.previous or 'none'}), not {to}"
            )
        return await self._patch(f"rollback to {to}", 0)

    async def canary(self, percent: float) -> ServingState:
        return await self._patch(f"canary {percent:g} %", percent)

    async def scale(self, replicas: int) -> ServingState:
        """`spec.predictor.minReplicas` (and `maxReplicas`, when it is below): the autoscaler keeps at least this
        many pods of the predictor."""
        current = (await self._get()).get("spec", {}).get("predictor", {}).get("maxReplicas")
        predictor: dict[str, Any] = {"minReplicas": replicas}
        if current is not None and int(current) < replicas:
            predictor["maxReplicas"] = replicas
        return await self._merge(f"scale to {replicas} replicas", predictor)
