"""Rollback from Slack through a real MLflow Model Registry: signed slash commands and clicks in, the registry's
alias checked afterwards. Also who may act, a double-clicked Confirm, unknown models and versions, and the
registry down."""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import parse_config
from tests.harness import CONFIG as BASE
from tests.harness import Bot, am_alert, am_payload, card_text, eventually, post_alert, running_bot, timeline
from tests.serving.platforms import MlflowServer, mlflow_server

_names = itertools.count(1)


@pytest.fixture(scope="module")
def mlflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    with mlflow_server(tmp_path_factory.mktemp("mlflow")) as server:
        yield server


@pytest.fixture
def registered(mlflow: MlflowServer) -> str:
    """A fresh registered model: version 1 (known good) and version 2 (champion, just deployed)."""
    name = f"cv-detector-{next(_names)}"
    mlflow.register(
        name,
        [
            {"dataset": "a91c3e0", "git_commit": "4be1f0c9aa"},
            {"dataset": "b4f7a10", "git_commit": "9d2c7a1e55", "config_hash": "c0ffee12"},
        ],
        aliases={"champion": "2", "known-good": "1"},
    )
    return name


def _config(url: str, registered: str, **serving: Any) -> Any:
    config = copy.deepcopy(BASE)
    config["models"]["cv-detector"]["serving"] = {
        "backend": "mlflow",
        "url": url,
        "alias": "champion",
        "registered_model": registered,
        "known_good_alias": "known-good",
        **serving,
    }
    return parse_config(config)


@pytest.fixture
async def bot(mlflow: MlflowServer, registered: str, tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_bot(f"sqlite:///{tmp_path / 'sevbot.db'}", config=_config(mlflow.url, registered)) as running:
        yield running


async def _incident(bot: Bot) -> str:
    await bot.driver.slash("U0004", bot.channel("general").id, "declare sev2 cv-detector mAP down on cams 23-40")
    await bot.settled()
    return bot.incident_channels()[0].id


def _plan(bot: Bot, channel: str, user: str) -> Any:
    plans = [m for m in bot.ws.channels[channel].messages if m.ephemeral_to == user and "Confirm" in str(m.blocks)]
    assert plans, bot.seen(channel)
    return plans[-1]


async def test_rollback_with_confirmation_moves_the_alias_once(bot: Bot, mlflow: MlflowServer, registered: str) -> None:
    channel = await _incident(bot)
    reply = await bot.driver.slash("U0004", channel, "rollback cv-detector")
    assert "Asking MLflow what `cv-detector` serves now" in reply.ephemeral_text
    await bot.settled()
    plan = _plan(bot, channel, "U0004")
    text = plan.blocks[0]["text"]["text"]
    assert "*Rollback on MLflow:* cv-detector: 2 (data b4f7a10, commit 9d2c7a1, config c0ffee1, created" in text
    assert "→ 1 (data a91c3e0, commit 4be1f0c" in text
    assert mlflow.alias(registered, "champion") == "2"  # nothing happens before Confirm

    first, second = await asyncio.gather(  # a double click: both land on the plan before it is replaced
        bot.driver.click("U0004", channel, plan.ts, "action_confirm"),
        bot.driver.click("U0004", channel, plan.ts, "action_confirm"),
    )
    assert first.status == 200 and second.status == 200
    await bot.settled()
    assert mlflow.alias(registered, "champion") == "1"
    replaced = bot.ws.channels[channel].message(plan.ts)  # the plan became who confirmed it, buttons gone
    await eventually(lambda: replaced.edited)  # response_url answers come after the ack, outside the outbox
    assert "<@U0004> confirmed: cv-detector: 2" in replaced.text and not replaced.blocks
    refusals = await eventually(lambda: [r for r in bot.ws.responses if "already confirmed" in str(r.get("text", ""))])
    assert len(refusals) == 1  # the second click was told, and ran nothing
    actions = [d for _, _, kind, d in await timeline(bot) if kind == "action"]
    assert [(a["status"], a["before"], a["after"]) for a in actions] == [("succeeded", "2", "1")]
    posted = "\n".join(bot.seen(channel))
    assert ":rewind: `cv-detector` rolled back on MLflow: 2 → *1* (by @dave)." in posted, posted


async def test_rollback_to_a_named_version_and_cancel(bot: Bot, mlflow: MlflowServer, registered: str) -> None:
    channel = await _incident(bot)
    await bot.driver.slash("U0003", channel, "rollback cv-detector to 1")
    await bot.settled()
    plan = _plan(bot, channel, "U0003")
    await bot.driver.click("U0003", channel, plan.ts, "action_cancel")
    await bot.settled()
    cancelled = bot.ws.channels[channel].message(plan.ts)
    await eventually(lambda: cancelled.edited)
    assert mlflow.alias(registered, "champion") == "2"
    assert "<@U0003> cancelled: cv-detector: 2" in cancelled.text
    assert "Confirm" not in str(cancelled.blocks)  # the buttons went with the plan


async def test_who_may_act(bot: Bot, mlflow: MlflowServer, registered: str) -> None:
    channel = await _incident(bot)
    reply = await bot.driver.slash("U0001", channel, "rollback cv-detector")
    assert "You may not roll back `cv-detector`" in reply.ephemeral_text
    await bot.settled()
    assert mlflow.alias(registered, "champion") == "2"
    refused = [d for _, actor, kind, d in await timeline(bot) if kind == "action"]
    assert [d["status"] for d in refused] == ["refused"]
    # A responder from sevbot.yml may, from anywhere: the model's open incident is found.
    general = bot.channel("general").id
    await bot.driver.slash("U0005", general, "rollback cv-detector")
    await bot.settled()
    assert _plan(bot, general, "U0005")


async def test_unknown_model_and_version_and_unsupported_moves(bot: Bot, mlflow: MlflowServer, registered: str) -> None:
    channel = await _incident(bot)
    reply = await bot.driver.slash("U0004", channel, "rollback fraud-scorer")
    assert "`fraud-scorer` is not a model in sevbot.yml (models: `cv-detector`, `ranker`)" in reply.ephemeral_text
    reply = await bot.driver.slash("U0004", channel, "rollback cv-detector to")
    assert "Usage" in reply.ephemeral_text or "usage" in reply.ephemeral_text.lower()
    await bot.driver.slash("U0004", channel, "rollback cv-detector to 9")
    await bot.driver.slash("U0004", channel, "canary cv-detector 5")
    await bot.settled()
    mine = [m.text for m in bot.ws.channels[channel].messages if m.ephemeral_to == "U0004"]
    assert any("I can't roll back `cv-detector`: cv-detector has no version 9 (versions: 1, 2)" in t for t in mine)
    assert any(
        "I can't change the canary of `cv-detector`: MLflow cannot set canary traffic (it supports: rollback)" in t
        for t in mine
    )
    assert mlflow.alias(registered, "champion") == "2"
    failed = [d for _, _, kind, d in await timeline(bot) if kind == "action"]
    assert [d["action"] for d in failed] == ["canary"]  # a mistyped version is said privately, not put on record


async def test_registry_down_fails_plainly_and_changes_nothing(registered: str, tmp_path: Path) -> None:
    config = _config("http://127.0.0.1:9", registered, timeout_s=2)
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=config) as bot:
        channel = await _incident(bot)
        await bot.driver.slash("U0004", channel, "rollback cv-detector")
        await bot.settled()
        mine = [m.text for m in bot.ws.channels[channel].messages if m.ephemeral_to == "U0004"]
        assert any("I can't roll back `cv-detector`: MLflow model versions: ClientConnectorError" in t for t in mine)
        failed = [d for _, _, kind, d in await timeline(bot) if kind == "action"]
        assert [d["status"] for d in failed] == ["failed"]
        assert any(":x: Rollback of `cv-detector` failed on MLflow" in m for m in bot.seen(channel))


async def test_the_alert_cards_roll_back_button(bot: Bot, mlflow: MlflowServer, registered: str) -> None:
    cameras = [am_alert(f"cam-{n}", 0.38, total=10, deployed_at="2026-11-22T02:40:00Z") for n in range(3)]
    await post_alert(bot, "alertmanager", am_payload(*cameras))
    await bot.settled()
    alerts = bot.channel("ml-alerts")
    card = alerts.messages[0]
    assert "[Roll back cv-detector]" in bot.seen(alerts.id)[0]
    stale_alert_card = copy.deepcopy(card)  # what a client that has not refreshed keeps showing
    (declared,) = bot.incident_channels()
    stale_incident_card = copy.deepcopy(bot.ws.channels[declared.id].message(bot.ws.channels[declared.id].pins[0]))
    await bot.driver.click("U0004", alerts.id, card.ts, "alert_rollback")
    await bot.settled()
    plan = _plan(bot, alerts.id, "U0004")
    await bot.driver.click("U0004", alerts.id, plan.ts, "action_confirm")
    await bot.settled()
    assert mlflow.alias(registered, "champion") == "1"
    (incident,) = bot.incident_channels()
    assert any("rolled back on MLflow: 2 → *1*" in m for m in bot.seen(incident.id))
    # done: neither card offers it again (a second click would go further back than the last known good)
    assert "Roll back" not in bot.seen(alerts.id)[0]
    assert "Roll back" not in card_text(bot, incident.id)
    # and a click on a copy of either card that has not caught up plans nothing: it says what was done
    actions = [d for _, _, kind, d in await timeline(bot) if kind == "action"]
    await bot.driver.click("U0004", alerts.id, card.ts, "alert_rollback", as_shown=stale_alert_card)
    await bot.driver.click(
        "U0004", incident.id, stale_incident_card.ts, "incident_rollback", as_shown=stale_incident_card
    )

    def answered() -> list[str]:
        found = [str(r["text"]) for r in bot.ws.responses if "Already done in INC-1" in str(r.get("text"))]
        return found if len(found) == 2 else []

    said = await eventually(answered)
    assert len(said) == 2 and "cv-detector was rolled back 2 → 1 by <@U0004>" in said[0]
    await bot.settled()
    assert [d for _, _, kind, d in await timeline(bot) if kind == "action"] == actions
    assert mlflow.alias(registered, "champion") == "1"


async def test_outside_an_incident_a_containment_command_declares_one_first(
    bot: Bot, mlflow: MlflowServer, registered: str
) -> None:
    general = bot.channel("general").id
    reply = await bot.driver.slash("U0002", general, "rollback ranker")
    assert "`ranker` has no open incident and no firing alert to declare one from" in reply.ephemeral_text
    assert bot.incident_channels() == []
    drift: dict[str, Any] = {"model": "cv-detector", "metric": "score_psi", "summary": "score drift on site B"}
    drift["histograms"] = {"baseline": [120, 340, 310, 160, 70], "current": [60, 210, 330, 250, 150]}
    code, _ = await post_alert(bot, "generic", drift)  # SEV3: a card, no incident
    assert code == 202
    await bot.settled()
    assert bot.incident_channels() == []
    reply = await bot.driver.slash("U0004", general, "rollback cv-detector")
    assert (
        ":rotating_light: `cv-detector` had no open incident: I declared *INC-1* (SEV3) for it." in reply.ephemeral_text
    )
    await bot.settled()
    (incident,) = bot.incident_channels()
    assert "*SEV3 · INC-1 · score drift on site B*" in bot.seen(incident.id)[0]
    assert _plan(bot, general, "U0004")


async def test_no_known_previous_offers_candidates_then_the_ledger_guards_the_bad_version(
    mlflow: MlflowServer, tmp_path: Path
) -> None:
    name = f"cv-detector-{next(_names)}"
    mlflow.register(
        name,
        [{"dataset": "a91c3e0", "git_commit": "4be1f0c9aa"}, {"dataset": "b4f7a10", "git_commit": "9d2c7a1e55"}],
        aliases={"champion": "2"},  # no known-good alias: nobody says what was live before 2
    )
    config = copy.deepcopy(BASE)
    config["models"]["cv-detector"]["serving"] = {
        "backend": "mlflow",
        "url": mlflow.url,
        "alias": "champion",
        "registered_model": name,
    }
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config)) as bot:
        channel = await _incident(bot)
        await bot.driver.slash("U0004", channel, "rollback cv-detector")
        await bot.settled()
        (choices,) = [m for m in bot.ws.channels[channel].messages if "Roll back to" in str(m.blocks)]
        assert "neither MLflow nor sevbot's records say which version" in choices.text
        assert "1 (data a91c3e0, commit 4be1f0c" in choices.text
        await bot.driver.click("U0004", channel, choices.ts, "action_pick_0")
        await bot.settled()
        plan = _plan(bot, channel, "U0004")
        assert "cv-detector: 2 (data b4f7a10" in plan.text and "→ 1 (data a91c3e0" in plan.text
        await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
        await bot.settled()
        assert mlflow.alias(name, "champion") == "1"

        # 2 is known bad now: going back to it is marked in red and needs two confirmations
        await bot.driver.slash("U0004", channel, "rollback cv-detector to 2")
        await bot.settled()
        plan = _plan(bot, channel, "U0004")
        assert ":red_circle: *2 is known bad: rolled back in INC-1 (mAP down on cams 23-40).*" in plan.text
        assert (
            "2 (data b4f7a10, commit 9d2c7a1, created" in plan.text and "known bad: rolled back in INC-1" in plan.text
        )
        await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
        await bot.settled()
        second = bot.ws.channels[channel].message(plan.ts)
        await eventually(lambda: "second, final confirmation" in second.text)
        assert "Yes, deploy 2 anyway" in str(second.blocks)
        assert mlflow.alias(name, "champion") == "1"  # one Confirm did nothing
        await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
        await bot.settled()
        assert mlflow.alias(name, "champion") == "2"


def _tags(mlflow: MlflowServer, name: str, version: str) -> dict[str, str]:
    answer = mlflow.call("GET", f"model-versions/get?name={name}&version={version}")
    return {t["key"]: t["value"] for t in answer["model_version"].get("tags", [])}


async def test_the_registry_remembers_a_rolled_back_version_as_known_bad(
    bot: Bot, mlflow: MlflowServer, registered: str
) -> None:
    channel = await _incident(bot)
    await bot.driver.slash("U0004", channel, "rollback cv-detector")
    await bot.settled()
    await bot.driver.click("U0004", channel, _plan(bot, channel, "U0004").ts, "action_confirm")
    await bot.settled()
    tags = _tags(mlflow, registered, "2")
    assert tags["sevbot.verdict"] == "known-bad" and tags["sevbot.incident"] == "INC-1"
    assert tags["sevbot.reason"] == "mAP down on cams 23-40"
    assert "sevbot.verdict" not in _tags(mlflow, registered, "1")  # nothing said of what was not judged


async def test_a_verdict_another_team_wrote_in_the_registry_guards_the_plan(
    bot: Bot, mlflow: MlflowServer, registered: str
) -> None:
    for key, value in (("sevbot.verdict", "known-bad"), ("sevbot.incident", "INC-41")):
        mlflow.call("POST", "model-versions/set-tag", {"name": registered, "version": "1", "key": key, "value": value})
    channel = await _incident(bot)
    await bot.driver.slash("U0004", channel, "rollback cv-detector to 1")
    await bot.settled()
    plan = _plan(bot, channel, "U0004")
    assert ":red_circle: *1 is known bad: marked known-bad in the registry (INC-41).*" in plan.text, plan.text
    await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
    await bot.settled()
    assert mlflow.alias(registered, "champion") == "2"  # one Confirm is not enough for a known-bad version
    assert "sevbot.reason" not in _tags(mlflow, registered, "1")  # taken into the ledger, nothing written back


async def test_a_verified_version_carries_its_window_and_value(mlflow: MlflowServer, registered: str) -> None:
    from bot.serving.mlflow import MlflowBackend

    backend = MlflowBackend("cv-detector", {"url": mlflow.url, "registered_model": registered})
    mark = {"verdict": "known-good", "incident": "INC-3", "reason": "held", "window_s": 3600.0, "value": 0.6123}
    assert await backend.write_mark("1", mark) is True
    tags = _tags(mlflow, registered, "1")
    assert (tags["sevbot.verdict"], tags["sevbot.window"], tags["sevbot.value"]) == ("known-good", "3600s", "0.6123")
    state = await backend.describe()
    assert state.version("1") is not None and state.version("1").verdict == "known-good"  # type: ignore[union-attr]


def _signed_versions(mlflow: MlflowServer, name: str, inputs: list[list[dict[str, Any]]]) -> None:
    """A registered model whose versions come from runs with an MLmodel each (its signature's inputs as given),
    as `mlflow.<flavor>.log_model(…, signature=…)` leaves them; the last version is the champion."""
    import json as _json

    mlflow.call("POST", "registered-models/create", {"name": name})
    boxes = [{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 100, 6]}, "name": "boxes"}]
    for n, columns in enumerate(inputs, start=1):
        run = mlflow.call("POST", "runs/create", {"experiment_id": "0"})["run"]["info"]
        folder = Path(run["artifact_uri"].removeprefix("file://")) / "model"
        folder.mkdir(parents=True)
        signature = {"inputs": _json.dumps(columns), "outputs": _json.dumps(boxes), "params": None}
        (folder / "MLmodel").write_text(
            yaml.safe_dump({"artifact_path": "model", "flavors": {"python_function": {}}, "signature": signature})
        )
        mlflow.call(
            "POST",
            "model-versions/create",
            {
                "name": name,
                "source": str(folder),
                "run_id": run["run_id"],
                "tags": [{"key": "dataset", "value": f"d{n}"}],
            },
        )
    mlflow.call("POST", "registered-models/alias", {"name": name, "alias": "champion", "version": str(len(inputs))})


IMAGE = {"type": "tensor", "tensor-spec": {"dtype": "uint8", "shape": [-1, 640, 640, 3]}, "name": "image"}


@pytest.mark.parametrize(
    ("older", "said", "second"),
    [
        ([IMAGE], "*1 would not take what the live version is fed:* it lacks `exposure`;", True),
        ([IMAGE, {"type": "double", "name": "exposure"}], "Signatures: the same inputs, outputs and params.", False),
        ([IMAGE, {"type": "string", "name": "exposure"}], "`exposure` is string there, double now;", True),
    ],
)
async def test_the_plan_compares_signatures_and_a_breaking_target_needs_two_confirmations(
    mlflow: MlflowServer, tmp_path: Path, older: list[dict[str, Any]], said: str, second: bool
) -> None:
    name = f"cv-detector-{next(_names)}"
    _signed_versions(mlflow, name, [older, [IMAGE, {"type": "double", "name": "exposure"}]])
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=_config(mlflow.url, name)) as bot:
        channel = await _incident(bot)
        await bot.driver.slash("U0004", channel, "rollback cv-detector to 1")
        await bot.settled()
        plan = _plan(bot, channel, "U0004")
        assert said in plan.text, plan.text
        assert "Changes: dataset d2 → d1." in plan.text
        await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
        await bot.settled()
        assert mlflow.alias(name, "champion") == ("2" if second else "1")
        if second:
            asked = bot.ws.channels[channel].message(plan.ts)
            await eventually(lambda: "second, final confirmation" in asked.text)
            await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
            await bot.settled()
            assert mlflow.alias(name, "champion") == "1"
