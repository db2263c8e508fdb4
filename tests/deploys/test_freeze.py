"""Deploy freezes: an open SEV1/SEV2 holds its model's deploys and lets go when it resolves; people freeze and
unfreeze by hand under the containment rule; the gate answers CI/CD (200 / 423) and Flagger (200 / 403) from that."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import parse_config
from bot.tryout.emulator.sandbox import ALERT_TOKEN
from tests.harness import CONFIG, Bot, card_text, declare, running_bot, timeline


@pytest.fixture
async def frozen_bot(tmp_path: Path) -> AsyncIterator[Bot]:
    config = copy.deepcopy(CONFIG)
    config["freeze_deploys"] = ["SEV1", "SEV2"]
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config)) as bot:
        yield bot


async def _gate(bot: Bot, model: str, *, token: str | None = ALERT_TOKEN) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with bot.driver.http.get(f"{bot.url}/deploys/{model}", headers=headers) as r:
        return r.status, await r.json()


async def _flagger(bot: Bot, body: object, **headers: str) -> tuple[int, Any]:
    async with bot.driver.http.post(f"{bot.url}/deploys/flagger", json=body, headers=headers) as r:
        return r.status, await r.json()


def _flagger_body(name: str = "cv-detector", **metadata: str) -> dict[str, object]:
    """As Flagger posts a confirm-promotion webhook (its docs' example shape)."""
    return {
        "name": name,
        "namespace": "models",
        "phase": "Progressing",
        "type": "confirm-promotion",
        "metadata": {"token": ALERT_TOKEN, **metadata},
    }


async def test_a_sev2_freezes_its_model_until_it_resolves(frozen_bot: Bot) -> None:
    bot = frozen_bot
    assert await _gate(bot, "cv-detector") == (200, {"model": "cv-detector", "frozen": False})
    _, channel = await declare(bot)
    status, body = await _gate(bot, "cv-detector")
    assert status == 423 and body["frozen"] is True
    (reason,) = body["reasons"]
    assert reason["incident"] == "INC-1" and reason["why"] == "SEV2 incident open" and reason["by"] == "sevbot"
    assert (await _flagger(bot, _flagger_body()))[0] == 403  # Flagger holds the promotion
    assert (await _gate(bot, "ranker"))[0] == 200  # only its own model
    assert ":snowflake: *deploys frozen*" in str(bot.ws.channels[channel.id].message(channel.pins[0]).blocks)
    assert "deploys frozen" in bot.ws.channels[channel.id].topic
    assert "Deploys of `cv-detector` are *frozen* until this incident ends (SEV2 incident open)" in "\n".join(
        bot.seen(channel.id)
    )
    await bot.driver.slash("U0001", channel.id, "resolve cameras back")
    await bot.settled()
    assert (await _gate(bot, "cv-detector"))[0] == 200
    assert (await _flagger(bot, _flagger_body()))[0] == 200
    kinds = [k for _, _, k, _ in await timeline(bot)]
    assert kinds.count("frozen") == 1 and kinds.count("unfrozen") == 1
    assert "deploys frozen" not in card_text(bot, channel.id)


async def test_freeze_and_unfreeze_by_hand_follow_the_containment_rule(frozen_bot: Bot) -> None:
    bot = frozen_bot
    _, channel = await declare(bot, "declare sev3 cv-detector drift on region eu")  # SEV3: not frozen by itself
    assert (await _gate(bot, "cv-detector"))[0] == 200
    reply = await bot.driver.slash("U0002", channel.id, "freeze cv-detector I do not like it")  # bob: ranker's owner
    assert "You may not freeze the deploys of `cv-detector`" in reply.ephemeral_text
    assert (await _gate(bot, "cv-detector"))[0] == 200
    reply = await bot.driver.slash("U0004", channel.id, "freeze cv-detector until the eu data is checked")
    assert "Deploys of `cv-detector` are frozen for INC-1" in reply.ephemeral_text
    await bot.settled()
    status, body = await _gate(bot, "cv-detector")
    assert status == 423 and body["reasons"][0]["why"] == "until the eu data is checked"
    assert body["reasons"][0]["by"] == "U0004"
    await bot.driver.slash("U0004", channel.id, "severity sev2 spreading")  # a freeze severity now: already held
    await bot.settled()
    reply = await bot.driver.slash("U0003", channel.id, "unfreeze cv-detector")
    assert "(2 freezes lifted)" in reply.ephemeral_text
    await bot.settled()
    assert (await _gate(bot, "cv-detector"))[0] == 200
    await bot.driver.slash("U0004", channel.id, "severity sev1 customer-wide")  # unfrozen by a person: it stays so
    await bot.settled()
    assert (await _gate(bot, "cv-detector"))[0] == 200
    reply = await bot.driver.slash("U0003", channel.id, "unfreeze cv-detector")
    assert "not frozen: nothing to unfreeze" in reply.ephemeral_text
    said = "\n".join(bot.seen(channel.id))
    assert "tried to freeze the deploys of `cv-detector` but may not" in said
    assert "Deploys of `cv-detector` may go again: unfrozen by @carol" in said


async def test_the_gate_refuses_what_it_cannot_answer(frozen_bot: Bot) -> None:
    bot = frozen_bot
    assert (await _gate(bot, "cv-detector", token=None))[0] == 401
    assert (await _gate(bot, "cv-detector", token="wrong"))[0] == 401
    assert (await _gate(bot, "no-such-model"))[0] == 404
    assert (await _flagger(bot, _flagger_body(token="wrong")))[0] == 401
    assert (await _flagger(bot, {"name": "cv-detector", "metadata": {}}))[0] == 401
    assert (await _flagger(bot, _flagger_body("unknown")))[0] == 404
    assert (await _flagger(bot, _flagger_body("whatever", model="cv-detector")))[0] == 200  # metadata.model wins
    assert (await _flagger(bot, {"metadata": {"token": ALERT_TOKEN}}))[0] == 400  # no name
    assert (await _flagger(bot, ["not", "an", "object"]))[0] == 400
    async with bot.driver.http.post(f"{bot.url}/deploys/flagger", data=b"{not json") as r:
        assert r.status == 400
    status, _ = await _flagger(bot, {"name": "cv-detector", "metadata": {}}, Authorization=f"Bearer {ALERT_TOKEN}")
    assert status == 200  # the bearer header works too
