"""KServe through the Kubernetes API. Kubernetes cannot run here, so this stands up the one resource sevbot
touches, answering in the shapes KServe documents for serving.kserve.io/v1beta1 InferenceService (status
`components.predictor` with latest/previous rolled-out revisions and `traffic`; merge-patch of
`spec.predictor.canaryTrafficPercent`), and checks what sevbot sends."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.serving import ServingError
from bot.serving.kserve import KServeBackend
from tests.serving.platforms import serve_app

PATH = "/apis/serving.kserve.io/v1beta1/namespaces/vision/inferenceservices/cv-detector"


def _isvc(canary: int | None, **replicas: int) -> dict[str, Any]:
    latest, previous = "cv-detector-predictor-00002", "cv-detector-predictor-00001"
    traffic = (
        [{"revisionName": latest, "percent": 100, "latestRevision": True}]
        if canary is None
        else [
            {"revisionName": latest, "percent": canary, "latestRevision": True, "tag": "latest"},
            {"revisionName": previous, "percent": 100 - canary, "latestRevision": False, "tag": "prev"},
        ]
    )
    spec: dict[str, Any] = {"model": {"modelFormat": {"name": "pytorch"}, "storageUri": "gs://models/cv/2.0.0"}}
    if canary is not None:
        spec["canaryTrafficPercent"] = canary
    spec.update(replicas)  # minReplicas / maxReplicas, as the autoscaler reads them
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "cv-detector", "namespace": "vision", "generation": 3},
        "spec": {"predictor": spec},
        "status": {
            "components": {
                "predictor": {
                    "latestCreatedRevision": latest,
                    "latestReadyRevision": latest,
                    "latestRolledoutRevision": latest,
                    "previousRolledoutRevision": previous,
                    "traffic": traffic,
                }
            },
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


@pytest.fixture
async def kube() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    state = {"isvc": _isvc(25, minReplicas=1, maxReplicas=3)}
    patches: list[dict[str, Any]] = []

    async def get(request: web.Request) -> web.Response:
        return web.json_response(state["isvc"])

    async def patch(request: web.Request) -> web.Response:
        if request.content_type != "application/merge-patch+json":
            return web.json_response({"kind": "Status", "message": "unsupported media type", "code": 415}, status=415)
        body = await request.json()
        patches.append(body)
        predictor = {**state["isvc"]["spec"]["predictor"], **body["spec"]["predictor"]}  # a merge patch
        replicas = {k: int(predictor[k]) for k in ("minReplicas", "maxReplicas") if k in predictor}
        state["isvc"] = _isvc(int(predictor["canaryTrafficPercent"]), **replicas)
        return web.json_response(copy.deepcopy(state["isvc"]))

    app = web.Application()
    app.router.add_get(PATH, get)
    app.router.add_patch(PATH, patch)
    async with serve_app(app) as url:
        yield url, patches


def _backend(url: str, service: str = "cv-detector") -> KServeBackend:
    return KServeBackend("cv-detector", {"url": url, "namespace": "vision", "inference_service": service}, timeout_s=5)


async def test_describe_canary_and_rollback(kube: tuple[str, list[dict[str, Any]]]) -> None:
    url, patches = kube
    backend = _backend(url)
    state = await backend.describe()
    assert state.live == "cv-detector-predictor-00002" and state.previous == "cv-detector-predictor-00001"
    assert state.canary_percent == 25.0 and state.canary == "cv-detector-predictor-00002"  # the new revision
    assert state.details["traffic"] == {"cv-detector-predictor-00002": 25, "cv-detector-predictor-00001": 75}

    state = await backend.canary(5)
    assert patches[-1] == {"spec": {"predictor": {"canaryTrafficPercent": 5}}}
    assert state.canary_percent == 5.0

    state = await backend.rollback("cv-detector-predictor-00001")
    assert patches[-1] == {"spec": {"predictor": {"canaryTrafficPercent": 0}}}
    assert state.details["traffic"]["cv-detector-predictor-00001"] == 100


async def test_scale_patches_min_replicas_and_raises_the_ceiling_when_below(
    kube: tuple[str, list[dict[str, Any]]],
) -> None:
    url, patches = kube
    backend = _backend(url)
    assert (await backend.describe()).replicas == 1
    state = await backend.scale(2)
    assert patches[-1] == {"spec": {"predictor": {"minReplicas": 2}}}  # under maxReplicas 3: that stays
    state = await backend.scale(6)
    assert patches[-1] == {"spec": {"predictor": {"minReplicas": 6, "maxReplicas": 6}}}
    assert state.replicas == 6 and state.canary_percent == 25.0  # the traffic split is untouched


async def test_errors_are_plain(kube: tuple[str, list[dict[str, Any]]]) -> None:
    url, patches = kube
    with pytest.raises(ServingError, match="can only go back to the previously rolled-out revision"):
        await _backend(url).rollback("cv-detector-predictor-00000")
    with pytest.raises(ServingError, match="KServe InferenceService: 404"):
        await _backend(url, service="nope").describe()
    assert patches == []
