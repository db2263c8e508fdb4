"""Amazon SageMaker real-time endpoints: each production variant serves one model version.

What is live is the newest variant taking traffic (during a canary, the canary); the previous version is the
newest variant whose model was created before the live one's (the platform's own history). Rollback sends all
weight to the previous variant, canary sets the newest variant's share, fallback sends all weight to
`fallback_variant`. Weights change with
`UpdateEndpointWeightsAndCapacities`, always with the instance counts too: AWS keeps counts that are left out,
moto drops them, and sending both is valid for each. Lineage comes from the model's tags (`commit`, `dataset`,
`config_hash`) and its container image. Scaling sets the live variant's instance count the same way. boto3 is
blocking, so calls run in a thread with a bounded timeout.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from bot.serving.base import Backend, Capability, ServingError, ServingState, Unsupported, Version

__all__ = ["SageMakerBackend"]


class SageMakerBackend(Backend):
    name = "SageMaker"

    @property
    def capabilities(self) -> frozenset[Capability]:  # type: ignore[override]
        base = {Capability.ROLLBACK, Capability.CANARY, Capability.SCALE}
        return frozenset(base | ({Capability.FALLBACK} if self.settings.get("fallback_variant") else set()))

    def _client(self) -> Any:
        import boto3
        from botocore.config import Config

        config = Config(connect_timeout=5, read_timeout=self.timeout_s, retries={"max_attempts": 2})
        return boto3.client(
            "sagemaker",
            region_name=self.settings.get("region", "us-east-1"),
            endpoint_url=self.settings.get("endpoint_url"),
            config=config,
        )

    @property
    def _endpoint(self) -> str:
        return str(self.settings.get("endpoint") or self.model)

    async def _run(self, what: str, fn: Any, *args: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await asyncio.wait_for(asyncio.to_thread(fn, *args), timeout=self.timeout_s + 5)
        except TimeoutError:
            raise ServingError(f"SageMaker {what}: no answer within {self.timeout_s:g} s") from None
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise ServingError(f"SageMaker {what}: {error.get('Code')}: {error.get('Message')}") from None
        except BotoCoreError as exc:
            raise ServingError(f"SageMaker {what}: {exc}") from None

    def _read(self) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
        client = self._client()
        endpoint = client.describe_endpoint(EndpointName=self._endpoint)
        config = client.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        models: dict[str, dict[str, Any]] = {}
        for variant in config["ProductionVariants"]:
            model = client.describe_model(ModelName=variant["ModelName"])
            tags = client.list_tags(ResourceArn=model["ModelArn"]).get("Tags", [])
            models[variant["VariantName"]] = {**model, "Tags": {t["Key"]: t["Value"] for t in tags}, **variant}
        return endpoint["ProductionVariants"], models

    async def _state(self) -> tuple[ServingState, list[dict[str, Any]]]:
        variants, models = await self._run("DescribeEndpoint", self._read)
        fallback_variant = self.settings.get("fallback_variant")

        def version(name: str) -> Version:
            model = models.get(name, {})
            created: datetime | None = model.get("CreationTime")
            tags = model.get("Tags", {})
            return Version(
                version=name,
                created_at=created,
                commit=tags.get("commit"),
                dataset=tags.get("dataset"),
                config_hash=tags.get("config_hash"),
                image=(model.get("PrimaryContainer") or {}).get("Image"),
            )

        versions = tuple(
            sorted((version(v["VariantName"]) for v in variants), key=lambda v: v.created_at or datetime.min)
        )
        weights = {v["VariantName"]: float(v.get("CurrentWeight", v.get("DesiredWeight", 0.0))) for v in variants}
        total = sum(weights.values()) or 1.0
        ordered = [v.version for v in versions if v.version != fallback_variant]
        # What is live is the newest version taking traffic: during a canary, the canary (a rollback goes back
        # from it); on the fallback, the fallback.
        serving = [n for n in ordered if weights.get(n, 0.0) > 0]
        if fallback_variant and weights.get(fallback_variant, 0.0) >= max(weights.values(), default=0.0) > 0:
            live: str | None = fallback_variant
        else:
            live = serving[-1] if serving else (max(weights, key=lambda n: weights[n]) if weights else None)
        older = ordered[: ordered.index(live)] if live in ordered else []
        newest = ordered[-1] if ordered else None
        share = round(100 * weights.get(newest, 0.0) / total, 1) if newest and len(ordered) > 1 else None
        state = ServingState(
            live=live,
            versions=versions,
            previous=older[-1] if older else None,
            fallback=(live == fallback_variant) if fallback_variant else None,
            canary_percent=share,
            canary=newest if share is not None and 0 < share < 100 else None,  # the newest variant, on a share
            details={"weights": weights},
            replicas=next(
                (
                    int(v.get("CurrentInstanceCount") or v.get("DesiredInstanceCount") or 0) or None
                    for v in variants
                    if v["VariantName"] == live
                ),
                None,
            ),
        )
        return state, variants

    async def describe(self) -> ServingState:
        return (await self._state())[0]

    async def _weights(
        self, what: str, weights: dict[str, float] | None, counts: dict[str, int] | None = None
    ) -> ServingState:
        """New weights (None: as they are) and instance counts (for the variants named): sent together for every
        variant, as AWS and moto both accept."""
        _state, variants = await self._state()
        if weights is None:
            weights = {v["VariantName"]: float(v.get("CurrentWeight", v.get("DesiredWeight", 0.0))) for v in variants}
        unknown = set(weights) - {v["VariantName"] for v in variants}
        if unknown:
            raise ServingError(f"endpoint {self._endpoint} has no variant {', '.join(sorted(unknown))}")
        desired = [
            {
                "VariantName": v["VariantName"],
                "DesiredWeight": weights.get(v["VariantName"], 0.0),
                "DesiredInstanceCount": (counts or {}).get(v["VariantName"])
                or int(v.get("CurrentInstanceCount") or v.get("DesiredInstanceCount") or 1),
            }
            for v in variants
        ]
        client = self._client()
        await self._run(
            what,
            lambda: client.update_endpoint_weights_and_capacities(
                EndpointName=self._endpoint, DesiredWeightsAndCapacities=desired
            ),
        )
        return await self.describe()

    async def rollback(self, to: str) -> ServingState:
        return await self._weights(f"rollback to {to}", {to: 1.0})

    async def scale(self, replicas: int) -> ServingState:
        """The live variant's instance count; the weights stay as they are."""
        state = await self.describe()
        if state.live is None:
            raise ServingError(f"endpoint {self._endpoint} serves no variant to scale")
        return await self._weights(f"scale {state.live} to {replicas} instances", None, {state.live: replicas})

    async def canary(self, percent: float) -> ServingState:
        state = await self.describe()
        fallback_variant = self.settings.get("fallback_variant")
        ordered = [v.version for v in state.versions if v.version != fallback_variant]
        if len(ordered) < 2:
            raise Unsupported(f"endpoint {self._endpoint} has one variant: there is no canary to weigh")
        newest, stable = ordered[-1], ordered[-2]
        return await self._weights(f"canary {percent:g} %", {newest: percent / 100, stable: 1 - percent / 100})

    async def fallback(self, on: bool) -> ServingState:
        self.require(Capability.FALLBACK)
        fallback_variant = str(self.settings["fallback_variant"])
        if on:
            return await self._weights("fallback on", {fallback_variant: 1.0})
        state = await self.describe()
        primary = [v.version for v in state.versions if v.version != fallback_variant]
        return await self._weights("fallback off", {primary[-1]: 1.0})
