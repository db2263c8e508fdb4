"""SageMaker endpoints through moto's server on loopback (boto3 pointed at it): describe, canary weights and
rollback as all weight to the previous variant, with the instance counts AWS needs sent alongside."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, parse_config
from bot.serving import Capability, ServingError
from bot.serving.sagemaker import SageMakerBackend
from tests.harness import CONFIG, running_bot
from tests.serving.platforms import free_port, stop, wait_until_up

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/moto-api/", process, log)
        yield url
    finally:
        stop(process)


def _create_endpoint(
    moto: str, name: str, variants: list[tuple[str, str, float, list[dict[str, str]]]], *, instances: int
) -> Any:
    """An endpoint with one model per variant (name, image, weight, tags); its boto3 client."""
    import boto3

    client = boto3.client("sagemaker", region_name="us-east-1", endpoint_url=moto)
    for variant, image, _weight, tags in variants:
        client.create_model(
            ModelName=f"{name}-{variant}",
            PrimaryContainer={"Image": image, "ModelDataUrl": f"s3://models/{variant}.tar.gz"},
            ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker",
            Tags=tags,
        )
    client.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": f"{name}-{variant}",
                "InitialInstanceCount": instances,
                "InstanceType": "ml.m5.large",
                "InitialVariantWeight": weight,
            }
            for variant, _image, weight, _tags in variants
        ],
    )
    client.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")
    return client


def _bot_config(moto: str, name: str, **serving: str) -> Config:
    config = copy.deepcopy(CONFIG)
    config["models"]["cv-detector"]["serving"] = {
        "backend": "sagemaker",
        "endpoint": name,
        "endpoint_url": moto,
        "region": "us-east-1",
        **serving,
    }
    return parse_config(config)


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def endpoint(moto: str, request: pytest.FixtureRequest) -> tuple[str, Any]:
    name = f"cv-detector-{request.node.name[-40:]}".replace("_", "-")[:60]
    variants = [
        ("v1-8-2", "detector:1.8.2", 0.0, [{"Key": "dataset", "Value": "a91c3e0"}]),
        (
            "v2-0-0",
            "detector:2.0.0",
            1.0,
            [{"Key": "dataset", "Value": "b4f7a10"}, {"Key": "commit", "Value": "9d2c7a1e"}],
        ),
    ]
    return name, _create_endpoint(moto, name, variants, instances=2)


def _backend(moto: str, name: str) -> SageMakerBackend:
    return SageMakerBackend(name, {"endpoint": name, "endpoint_url": moto, "region": "us-east-1"}, timeout_s=10)


def _weights(client: Any, name: str) -> dict[str, tuple[float, int]]:
    variants = client.describe_endpoint(EndpointName=name)["ProductionVariants"]
    return {
        v["VariantName"]: (float(v.get("CurrentWeight", v.get("DesiredWeight"))), int(v.get("CurrentInstanceCount", 0)))
        for v in variants
    }


async def test_describe_canary_and_rollback(moto: str, endpoint: tuple[str, Any]) -> None:
    name, client = endpoint
    backend = _backend(moto, name)
    assert backend.capabilities == {Capability.ROLLBACK, Capability.CANARY, Capability.SCALE}
    state = await backend.describe()
    assert state.live == "v2-0-0" and state.previous == "v1-8-2"
    live = state.version("v2-0-0")
    assert (
        live is not None and live.image == "detector:2.0.0" and live.dataset == "b4f7a10" and live.commit == "9d2c7a1e"
    )
    assert isinstance(live.created_at, datetime) and live.created_at <= datetime.now(UTC)

    state = await backend.canary(10)
    assert _weights(client, name) == {"v1-8-2": (0.9, 2), "v2-0-0": (0.1, 2)}  # counts kept: they were sent too
    assert state.canary_percent == 10.0 and state.canary == "v2-0-0"  # the newest variant takes the share

    assert state.live == "v2-0-0" and state.previous == "v1-8-2"  # the canary is what a rollback goes back from
    state = await backend.rollback("v1-8-2")
    assert _weights(client, name) == {"v1-8-2": (1.0, 2), "v2-0-0": (0.0, 2)}
    assert state.live == "v1-8-2" and state.previous is None


async def test_scale_sets_the_live_variants_instances_and_keeps_the_weights(
    moto: str, endpoint: tuple[str, Any]
) -> None:
    name, client = endpoint
    backend = _backend(moto, name)
    assert (await backend.describe()).replicas == 2
    state = await backend.scale(5)
    assert _weights(client, name) == {"v1-8-2": (0.0, 2), "v2-0-0": (1.0, 5)}
    assert state.replicas == 5 and state.live == "v2-0-0"


async def test_errors_are_plain(moto: str, endpoint: tuple[str, Any]) -> None:
    name, _client = endpoint
    with pytest.raises(ServingError, match="has no variant v9"):
        await _backend(moto, name).rollback("v9")
    with pytest.raises(ServingError, match="SageMaker DescribeEndpoint: ValidationException"):
        await _backend(moto, "no-such-endpoint").describe()
    with pytest.raises(ServingError, match="cannot switch to a fallback"):
        _backend(moto, name).require(Capability.FALLBACK)


async def test_canary_and_rollback_from_slack(moto: str, endpoint: tuple[str, Any], tmp_path: Path) -> None:
    name, client = endpoint
    config = _bot_config(moto, name)
    async with running_bot(f"sqlite:///{tmp_path / 'sevbot.db'}", config=config) as bot:
        await bot.driver.slash("U0004", bot.channel("general").id, "declare sev2 cv-detector canary hurts mAP")
        await bot.settled()
        channel = bot.incident_channels()[0].id
        for command in ("canary cv-detector 10", "rollback cv-detector"):
            await bot.driver.slash("U0004", channel, command)
            await bot.settled()
            plan = [m for m in bot.ws.channels[channel].messages if m.ephemeral_to == "U0004"][-1]
            assert "Confirm" in str(plan.blocks), plan.text
            if command.startswith("canary"):
                assert "set canary traffic of cv-detector: 100 % → 10 %" in plan.text
                await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
                await bot.settled()
                assert _weights(client, name) == {"v1-8-2": (0.9, 2), "v2-0-0": (0.1, 2)}
            else:
                assert "cv-detector: v2-0-0 (data b4f7a10, commit 9d2c7a1" in plan.text and "→ v1-8-2" in plan.text
                await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
                await bot.settled()
                assert _weights(client, name) == {"v1-8-2": (1.0, 2), "v2-0-0": (0.0, 2)}
        posted = "\n".join(bot.seen(channel))
        assert "canary traffic set to *10 %* on SageMaker (by @dave)" in posted
        assert "rolled back on SageMaker: v2-0-0 → *v1-8-2* (by @dave)" in posted


async def test_fallback_from_slack(moto: str, tmp_path: Path) -> None:
    """All traffic to the fallback variant and back, from signed Slack requests; moto's endpoint checked."""
    name = "cv-detector-with-lite"
    client = _create_endpoint(
        moto, name, [("lite", "detector:lite", 0.0, []), ("v2-0-0", "detector:v2-0-0", 1.0, [])], instances=1
    )
    config = _bot_config(moto, name, fallback_variant="lite")
    async with running_bot(f"sqlite:///{tmp_path / 'sevbot.db'}", config=config) as bot:
        await bot.driver.slash("U0004", bot.channel("general").id, "declare sev2 cv-detector misses at night")
        await bot.settled()
        channel = bot.incident_channels()[0].id
        for command, expected in (("fallback cv-detector on", (1.0, 0.0)), ("fallback cv-detector off", (0.0, 1.0))):
            await bot.driver.slash("U0004", channel, command)
            await bot.settled()
            plan = [m for m in bot.ws.channels[channel].messages if m.ephemeral_to == "U0004"][-1]
            await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
            await bot.settled()
            weights = _weights(client, name)
            assert (weights["lite"][0], weights["v2-0-0"][0]) == expected, weights
        posted = "\n".join(bot.seen(channel))
        assert ":twisted_rightwards_arrows: `cv-detector` now serves its fallback on SageMaker (by @dave)." in posted
        assert "`cv-detector` is back from its fallback on v2-0-0 on SageMaker (by @dave)." in posted


async def test_a_breached_guardrail_freezes_the_canary_variant(
    moto: str, endpoint: tuple[str, Any], tmp_path: Path
) -> None:
    """The guardrail watch on a real Prometheus, the freeze through moto's SageMaker: the canary variant's weight
    goes to 0 when the countdown runs out, done by sevbot."""
    import asyncio
    import os

    from tests.alerts.test_prometheus_e2e import ALERTMANAGER, PROMETHEUS, monitoring
    from tests.guardrails.test_watch import versions
    from tests.harness import timeline

    if not (PROMETHEUS and ALERTMANAGER):
        if os.environ.get("CI"):
            pytest.fail("prometheus / prometheus-alertmanager missing: .ci/run installs them")
        pytest.skip("apt-get install prometheus prometheus-alertmanager")
    name, client = endpoint
    await _backend(moto, name).canary(10)  # v2-0-0 takes 10 %: the canary; v1-8-2 the rest
    async with versions({"v1-8-2": 0.62, "v2-0-0": 0.57}) as metrics_port:
        async with running_bot(f"sqlite:///{tmp_path / 'probe.db'}", config=parse_config(CONFIG)) as probe:
            bot_url = probe.url
        with monitoring(tmp_path, metrics_port=metrics_port, bot_url=bot_url) as prom_port:
            config = copy.deepcopy(CONFIG)
            model = config["models"]["cv-detector"]
            model["serving"] = {"backend": "sagemaker", "endpoint": name, "endpoint_url": moto, "region": "us-east-1"}
            model["metrics"] = {
                "backend": "prometheus",
                "url": f"http://127.0.0.1:{prom_port}",
                "queries": {"map": 'avg(model_map{model="cv-detector",version="$version"})'},
            }
            model["guardrails"] = {"checks": {"map": {"max_drop": 0.01}}, "for": "2s", "countdown": "2s"}
            from bot.runtime.server import ServerOptions

            options = ServerOptions(poll_s=0.05, tick_s=0)
            async with running_bot(
                f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config), options=options
            ) as bot:
                for _ in range(60):
                    if await bot.services.guardrails.tick():
                        break
                    await asyncio.sleep(0.5)
                else:
                    raise AssertionError("the guardrail never opened its incident")
                await asyncio.sleep(2.5)  # the countdown
                bot.services.dispatcher.wake()
                await bot.settled()
                assert _weights(client, name) == {"v1-8-2": (1.0, 2), "v2-0-0": (0.0, 2)}  # the canary frozen
                done = [(actor, d["status"]) for _, actor, kind, d in await timeline(bot) if kind == "action"]
                assert done == [("sevbot", "succeeded")]
