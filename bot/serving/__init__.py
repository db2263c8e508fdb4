"""Serving platforms behind one interface (`bot.serving.base.Backend`); `backend_for` picks a model's."""

from __future__ import annotations

from bot.config import ModelConfig
from bot.serving.base import Backend, Capability, ServingError, ServingState, Unsupported, Version

__all__ = ["Backend", "Capability", "ServingError", "ServingState", "Unsupported", "Version", "backend_for"]


def backend_for(name: str, model: ModelConfig, *, timeout_s: float = 20.0) -> Backend:
    from bot.drills.identity import drill_id
    from bot.drills.platform import Unbound
    from bot.serving.http import HttpBackend
    from bot.serving.kserve import KServeBackend
    from bot.serving.mlflow import MlflowBackend
    from bot.serving.sagemaker import SageMakerBackend
    from bot.serving.simulated import SimulatedBackend
    from bot.serving.triton import TritonBackend

    kinds: dict[str, type[Backend]] = {
        "mlflow": MlflowBackend,
        "http": HttpBackend,
        "sagemaker": SageMakerBackend,
        "kserve": KServeBackend,
        "triton": TritonBackend,
        "simulated": SimulatedBackend,
    }
    if drill_id(name) is not None:  # never a real platform for a drill (its service: bot.drills.platform)
        return Unbound(name, {})
    settings = model.serving.model_dump(mode="json")
    timeout_s = float(settings.get("timeout_s") or timeout_s)  # every platform call is bounded by this
    return kinds[model.serving.backend](name, settings, timeout_s=timeout_s)
