"""MLflow Model Registry: the serving alias (default `champion`) says what is live; rollback moves it.

Lineage comes from version tags (`commit`/`git_commit`, `dataset`/`dataset_tag`, `config_hash`, `image`). The
registry keeps no alias history, so the previous version is the one under `known_good_alias` when the team keeps
such an alias, else what sevbot saw live before (recorded in its database). MLflow has no traffic splitting,
fallback switch or review routing: those are refused plainly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import yaml

from bot.serving._http import request_json
from bot.serving.base import Backend, Capability, ServingError, ServingState, Version

__all__ = ["MlflowBackend"]

TAGS = {
    "commit": ("commit", "git_commit", "mlflow.source.git.commit"),
    "dataset": ("dataset", "dataset_tag"),
    "config_hash": ("config_hash",),
    "image": ("image", "serving_image"),
}


VERDICT_TAG = "sevbot.verdict"  # known-bad / known-good: what sevbot (or anyone) learned of the version


def signature_of(mlmodel: str) -> dict[str, list[dict[str, Any]]] | None:
    """`signature:` of an MLmodel file: `inputs`, `outputs` and `params`, each JSON of a list of columns or tensors
    (`{"name", "type"}`, a tensor's type is its dtype); None without one."""
    try:
        found = (yaml.safe_load(mlmodel) or {}).get("signature")
    except yaml.YAMLError:
        return None
    if not isinstance(found, dict):
        return None
    said: dict[str, list[dict[str, Any]]] = {}
    for part in ("inputs", "outputs", "params"):
        try:
            items = json.loads(found[part]) if isinstance(found.get(part), str) else []
        except ValueError:
            items = []
        said[part] = [
            {"name": str(i.get("name") or f"#{n}"), "type": str(i.get("type") or "")}
            | ({"dtype": str(i["tensor-spec"]["dtype"])} if isinstance(i.get("tensor-spec"), dict) else {})
            for n, i in enumerate(items)
            if isinstance(i, dict)
        ]
    return said


def _version(raw: dict[str, Any]) -> Version:
    tags = {t["key"]: t["value"] for t in raw.get("tags", [])}
    lineage = {field: next((tags[k] for k in keys if k in tags), None) for field, keys in TAGS.items()}
    created = raw.get("creation_timestamp")
    return Version(
        version=str(raw["version"]),
        created_at=datetime.fromtimestamp(int(created) / 1000, UTC) if created else None,
        ready=raw.get("status", "READY") == "READY",
        verdict=tags.get(VERDICT_TAG),
        verdict_incident=tags.get("sevbot.incident"),
        **lineage,
    )


class MlflowBackend(Backend):
    name = "MLflow"
    capabilities = frozenset({Capability.ROLLBACK})

    @property
    def _api(self) -> str:
        return str(self.settings["url"]).rstrip("/") + "/api/2.0/mlflow"

    @property
    def _name(self) -> str:
        return str(self.settings.get("registered_model") or self.model)

    @property
    def _alias(self) -> str:
        return str(self.settings.get("alias") or "champion")

    async def _alias_version(self, alias: str) -> str | None:
        """The version under `alias`; None when no version has it (MLflow 3 says so with a 400)."""
        try:
            answer = await request_json(
                "GET",
                f"{self._api}/registered-models/alias",
                params={"name": self._name, "alias": alias},
                what=f"MLflow alias {alias}",
                timeout_s=self.timeout_s,
                ok_missing=True,
            )
        except ServingError as exc:
            if f"alias {alias} not found" in str(exc):
                return None
            raise
        return str(answer["model_version"]["version"]) if answer else None

    async def describe(self) -> ServingState:
        answer = await request_json(
            "GET",
            f"{self._api}/model-versions/search",
            params={"filter": f"name='{self._name}'", "max_results": "200"},
            what="MLflow model versions",
            timeout_s=self.timeout_s,
        )
        versions = sorted(
            (_version(v) for v in answer.get("model_versions", [])),
            key=lambda v: int(v.version) if v.version.isascii() and v.version.isdigit() else 0,
        )
        if not versions:
            raise ServingError(f"MLflow has no registered model {self._name!r}")
        live = await self._alias_version(self._alias)
        known_good = self.settings.get("known_good_alias")
        previous = await self._alias_version(str(known_good)) if known_good else None
        return ServingState(
            live=live,
            versions=tuple(versions),
            previous=previous if previous != live else None,
            details={"alias": self._alias},
        )

    async def signature(self, version: str) -> dict[str, list[dict[str, Any]]] | None:
        """The model's signature from its MLmodel file (the registry serves the version's artifacts); None when the
        version has none or its artifacts are not where the server can read them."""
        base = str(self.settings["url"]).rstrip("/")
        try:
            text = await request_json(
                "GET",
                f"{base}/model-versions/get-artifact",
                params={"name": self._name, "version": version, "path": "MLmodel"},
                what=f"MLflow: the MLmodel of version {version}",
                timeout_s=self.timeout_s,
                ok_missing=True,
                raw=True,
            )
        except ServingError:
            return None
        return signature_of(text) if text else None

    async def write_mark(self, version: str, mark: dict[str, Any]) -> bool:
        """Model-version tags: `sevbot.verdict`, `sevbot.incident`, `sevbot.reason`, and for a verified version the
        window it held and the value it held at (`sevbot.window`, `sevbot.value`)."""
        tags = {
            VERDICT_TAG: str(mark["verdict"]),
            "sevbot.incident": str(mark.get("incident") or ""),
            "sevbot.reason": str(mark.get("reason") or "")[:250],
        }
        if mark.get("window_s"):
            tags["sevbot.window"] = f"{int(mark['window_s'])}s"
        if mark.get("value") is not None:
            tags["sevbot.value"] = f"{float(mark['value']):.4g}"
        for key, value in tags.items():
            await request_json(
                "POST",
                f"{self._api}/model-versions/set-tag",
                json={"name": self._name, "version": version, "key": key, "value": value},
                what=f"MLflow: tagging version {version} {key}",
                timeout_s=self.timeout_s,
            )
        return True

    async def rollback(self, to: str) -> ServingState:
        await request_json(
            "POST",
            f"{self._api}/registered-models/alias",
            json={"name": self._name, "alias": self._alias, "version": to},
            what=f"MLflow: moving alias {self._alias} to version {to}",
            timeout_s=self.timeout_s,
        )
        return await self.describe()
