"""One small interface over serving platforms: what is live, and the four containment moves.

A backend says which moves it supports; asking one for a move it cannot make raises `Unsupported` with a plain
sentence. Platform failures (refused, down, slow) raise `ServingError` with the platform's error in plain words;
every call is bounded by a timeout, so a hung platform cannot hold an action forever.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["Backend", "Capability", "ServingError", "ServingState", "Unsupported", "Version"]


class Capability(StrEnum):
    ROLLBACK = "rollback"
    FALLBACK = "fallback"
    CANARY = "canary"
    REVIEW = "review"
    SCALE = "scale"  # set how many replicas (instances) serve the live version
    RESTART = "restart"  # restart the replicas serving the live version


class ServingError(Exception):
    """The platform refused, failed or did not answer in time; the message is for people."""


class Unsupported(ServingError):
    """The platform cannot make this move at all."""


@dataclass(frozen=True)
class Version:
    """A model version with its lineage, where the platform keeps it."""

    version: str
    created_at: datetime | None = None
    commit: str | None = None
    dataset: str | None = None
    config_hash: str | None = None
    image: str | None = None
    ready: bool = True
    verdict: str | None = None  # known-bad / known-good, as the registry keeps it (sevbot's or another's)
    verdict_incident: str | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Version:
        """From the JSON shape of `docs/serving-http.openapi.yaml` (also the simulated service's settings)."""
        created = raw.get("created_at")
        return cls(
            version=str(raw["version"]),
            created_at=datetime.fromisoformat(str(created).replace("Z", "+00:00")) if created else None,
            commit=raw.get("commit"),
            dataset=raw.get("dataset"),
            config_hash=raw.get("config_hash"),
            image=raw.get("image"),
            ready=bool(raw.get("ready", True)),
            verdict=(raw.get("mark") or {}).get("verdict"),
            verdict_incident=(raw.get("mark") or {}).get("incident"),
        )

    def lineage(self) -> str:
        parts = [
            f"data {self.dataset}" if self.dataset else "",
            f"commit {self.commit[:7]}" if self.commit else "",
            f"config {self.config_hash[:7]}" if self.config_hash else "",
        ]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class ServingState:
    """What the platform serves now. `previous` is the platform's own idea of the last version before `live`,
    where it keeps such a history (None: it does not say)."""

    live: str | None
    versions: tuple[Version, ...] = ()
    previous: str | None = None
    fallback: bool | None = None  # None: the platform has no fallback switch
    canary_percent: float | None = None
    canary: str | None = None  # the version taking the canary's share, where the platform says (None: no canary)
    review: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)
    lists_all_versions: bool = True  # False: the platform shows only loaded versions (Triton)
    replicas: int | None = None  # how many replicas (instances) serve the live version, where the platform says

    def version(self, name: str | None) -> Version | None:
        return next((v for v in self.versions if v.version == name), None)

    def with_live(self, live: str) -> ServingState:
        return replace(self, live=live)


class Backend(ABC):
    name: str
    capabilities: frozenset[Capability]

    def __init__(self, model: str, settings: dict[str, Any], *, timeout_s: float = 20.0) -> None:
        self.model = model
        self.settings = settings
        self.timeout_s = timeout_s

    def require(self, capability: Capability) -> None:
        if capability not in self.capabilities:
            can = ", ".join(sorted(self.capabilities)) or "nothing"
            raise Unsupported(f"{self.name} cannot {_VERB[capability]} (it supports: {can})")

    @abstractmethod
    async def describe(self) -> ServingState: ...

    async def rollback(self, to: str) -> ServingState:
        raise Unsupported(f"{self.name} cannot roll back")

    async def fallback(self, on: bool) -> ServingState:
        raise Unsupported(f"{self.name} cannot {_VERB[Capability.FALLBACK]}")

    async def canary(self, percent: float) -> ServingState:
        raise Unsupported(f"{self.name} cannot {_VERB[Capability.CANARY]}")

    async def review(self, on: bool) -> ServingState:
        raise Unsupported(f"{self.name} cannot {_VERB[Capability.REVIEW]}")

    async def scale(self, replicas: int) -> ServingState:
        raise Unsupported(f"{self.name} cannot {_VERB[Capability.SCALE]}")

    async def signature(self, version: str) -> dict[str, list[dict[str, Any]]] | None:
        """What the version expects and gives (`inputs`, `outputs`, `params`: each a list of {"name", "type"}), where
        the registry keeps it; None where it does not (unknown: never a reason to refuse)."""
        return None

    async def restart(self) -> ServingState:
        raise Unsupported(f"{self.name} cannot {_VERB[Capability.RESTART]}")

    async def write_mark(self, version: str, mark: dict[str, Any]) -> bool:
        """Keep a version's verdict where the platform can (`mark`: verdict, incident, reason, window_s, value);
        False where it keeps none (the verdict stays in sevbot's ledger)."""
        return False


_VERB = {
    Capability.ROLLBACK: "roll back a model",
    Capability.FALLBACK: "switch to a fallback model",
    Capability.CANARY: "set canary traffic",
    Capability.REVIEW: "route predictions to human review",
    Capability.SCALE: "scale a model's replicas",
    Capability.RESTART: "restart a model's replicas",
}
