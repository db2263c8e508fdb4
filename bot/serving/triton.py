"""NVIDIA Triton Inference Server in explicit model-control mode (HTTP/REST, KServe v2 protocol + extensions).

Versions are the model repository's version folders (`POST /v2/repository/index`); what is live is the version
policy in the loaded config. Rollback reloads the model with a config override that pins the previous version,
`{"version_policy": {"specific": {"versions": [N]}}}` (`POST /v2/repository/models/{m}/load`), then checks
`GET /v2/models/{m}/versions/{N}/ready`. Triton keeps no deploy history and lists only the versions it has
loaded, so the previous version is what sevbot saw live before, or the one named (`rollback <m> to <N>`); a
version missing from the repository is refused by Triton itself.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.serving._http import request_json
from bot.serving.base import Backend, Capability, ServingError, ServingState, Version

__all__ = ["TritonBackend"]


class TritonBackend(Backend):
    name = "Triton"
    capabilities = frozenset({Capability.ROLLBACK})

    @property
    def _base(self) -> str:
        return str(self.settings["url"]).rstrip("/")

    @property
    def _name(self) -> str:
        return str(self.settings.get("triton_model") or self.model)

    async def _config(self) -> dict[str, Any]:
        answer: dict[str, Any] = await request_json(
            "GET", f"{self._base}/v2/models/{self._name}/config", what="Triton model config", timeout_s=self.timeout_s
        )
        return answer

    async def describe(self) -> ServingState:
        index = await request_json(
            "POST",
            f"{self._base}/v2/repository/index",
            json={},
            what="Triton repository index",
            timeout_s=self.timeout_s,
        )
        entries = [e for e in index if e.get("name") == self._name]
        if not entries:
            raise ServingError(f"Triton's repository has no model {self._name!r}")
        ready = {str(e["version"]) for e in entries if e.get("version") and e.get("state") == "READY"}
        config = await self._config()
        policy = config.get("version_policy", {})
        available = sorted({int(e["version"]) for e in entries if re.fullmatch(r"[0-9]+", str(e.get("version", "")))})
        if "specific" in policy:
            live_versions = [int(v) for v in policy["specific"].get("versions", [])]
        elif "all" in policy:
            live_versions = available
        else:  # Triton's default: the latest version
            live_versions = available[-int(policy.get("latest", {}).get("num_versions", 1)) :]
        live = str(max(live_versions)) if live_versions else None
        return ServingState(
            live=live,
            versions=tuple(Version(version=str(v), ready=str(v) in ready) for v in available),
            previous=None,
            details={"version_policy": policy},
            lists_all_versions=False,
        )

    async def rollback(self, to: str) -> ServingState:
        if not (to.isascii() and to.isdigit()):
            raise ServingError(f"Triton versions are numbers, not {to!r}")
        config = await self._config()
        config["version_policy"] = {"specific": {"versions": [int(to)]}}
        await request_json(
            "POST",
            f"{self._base}/v2/repository/models/{self._name}/load",
            json={"parameters": {"config": json.dumps(config)}},
            what=f"Triton: loading {self._name} version {to}",
            timeout_s=self.timeout_s,
        )
        await request_json(
            "GET",
            f"{self._base}/v2/models/{self._name}/versions/{to}/ready",
            what=f"Triton: {self._name} version {to} is not ready",
            timeout_s=self.timeout_s,
        )
        return await self.describe()
