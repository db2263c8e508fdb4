"""Runbook actions from Slack against a local HTTP endpoint that checks what it is sent: the plan names the exact
request (the token masked), Confirm sends it once however often it is clicked, the answer is on the timeline; bad
input, outsiders and a failing endpoint change nothing or say so plainly."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from bot.config import parse_config
from bot.models import Action
from bot.tryout.integrations import DeployStandIn
from tests.harness import CONFIG, Bot, running_bot


class Endpoint(DeployStandIn):
    """The runbook's deploy API (the demo's stand-in), read as the requests it received."""

    @property
    def received(self) -> list[dict[str, Any]]:
        return [
            {
                "method": c.method,
                "path": c.path + (f"?{urlencode(c.query)}" if c.query else ""),
                "headers": c.headers,
                "body": c.body,
            }
            for c in self.calls
        ]


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    api = Endpoint()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def bot(endpoint: Endpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Bot]:
    monkeypatch.setenv("DEPLOY_TOKEN", "s3cret-token")
    config = copy.deepcopy(CONFIG)
    config["models"]["cv-detector"]["actions"] = {
        "restart-workers": {
            "title": "Restart the workers",
            "kinds": ["serving", "quality"],
            "url": f"{endpoint.url}/api/$model/restart?incident=$incident",
            "token_env": "DEPLOY_TOKEN",
        },
        "pin-preprocess": {
            "title": "Pin preprocessing to a version",
            "kinds": ["quality"],
            "url": f"{endpoint.url}/api/$model/preprocess",
            "body": {"version": "$input", "why": "INC-$incident"},
            "input": {"label": "Version", "placeholder": "2.3.1", "pattern": r"\d+\.\d+\.\d+"},
        },
        "note-deploy": {
            "title": "Note it on the deploy log",
            "url": f"{endpoint.url}/log",
            "body": {"text": "$input"},
            "input": {"label": "Text", "pattern": ".{1,80}"},
        },
    }
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config)) as bot:
        yield bot


async def _incident(bot: Bot) -> str:
    await bot.driver.slash("U0004", bot.channel("general").id, "declare sev2 cv-detector mAP down on cams 23-40")
    await bot.settled()
    return bot.incident_channels()[0].id


def _plan(bot: Bot, user: str, channel: str) -> Any:
    return [m for m in bot.ws.channels[channel].messages if m.ephemeral_to == user][-1]


async def test_the_plan_names_the_request_and_confirm_sends_it_once(bot: Bot, endpoint: Endpoint) -> None:
    channel = await _incident(bot)
    await bot.driver.slash("U0004", channel, "run pin-preprocess 2.3.1")
    await bot.settled()
    plan = _plan(bot, "U0004", channel)
    assert "*Runbook action:* run *Pin preprocessing to a version* for `cv-detector`" in plan.text
    assert f"`POST {endpoint.url}/api/cv-detector/preprocess`" in plan.text
    assert '`{"version": "2.3.1", "why": "INC-1"}`' in plan.text
    assert endpoint.received == []  # nothing is sent before Confirm
    await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
    await bot.driver.click("U0004", channel, plan.ts, "action_confirm", as_shown=plan)  # a second, stale click
    await bot.settled()
    (sent,) = endpoint.received
    assert sent["method"] == "POST" and sent["path"] == "/api/cv-detector/preprocess"
    assert sent["body"] == {"version": "2.3.1", "why": "INC-1"}
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["headers"]["Idempotency-Key"] == "sevbot-action-1"
    posted = "\n".join(bot.seen(channel))
    assert "Runbook action `pin-preprocess` (2.3.1) on `cv-detector` answered HTTP 202" in posted
    assert '"job": "job-1"' in posted  # the start of the answer


async def test_the_token_is_sent_and_never_shown(bot: Bot, endpoint: Endpoint) -> None:
    channel = await _incident(bot)
    await bot.driver.slash("U0004", channel, "run restart-workers")
    await bot.settled()
    plan = _plan(bot, "U0004", channel)
    assert "Authorization: `Bearer •••`" in plan.text and "s3cret" not in plan.text
    assert f"`POST {endpoint.url}/api/cv-detector/restart?incident=1`" in plan.text
    await bot.driver.click("U0004", channel, plan.ts, "action_confirm")
    await bot.settled()
    (sent,) = endpoint.received
    assert sent["headers"]["Authorization"] == "Bearer s3cret-token"
    async with bot.services.db.session_scope() as session:
        stored = json.dumps([a.params for a in (await session.exec(select(Action))).all()])
    assert "s3cret" not in stored and "s3cret" not in "\n".join(bot.seen(channel))


async def test_input_is_checked_and_json_encoded_never_spliced(bot: Bot, endpoint: Endpoint) -> None:
    channel = await _incident(bot)
    bad = await bot.driver.slash("U0004", channel, "run pin-preprocess 2.3.1;rm -rf")
    assert "is not a valid Version for `pin-preprocess` (it must match" in bad.ephemeral_text
    missing = await bot.driver.slash("U0004", channel, "run pin-preprocess")
    assert "`pin-preprocess` needs Version: `/incident run pin-preprocess 2.3.1`" in missing.ephemeral_text
    unknown = await bot.driver.slash("U0004", channel, "run reboot-cluster")
    assert "`cv-detector` has no runbook action `reboot-cluster`" in unknown.ephemeral_text
    extra = await bot.driver.slash("U0004", channel, "run restart-workers now")
    assert "`restart-workers` takes no input" in extra.ephemeral_text
    async with bot.services.db.session_scope() as session:
        assert (await session.exec(select(Action))).all() == []  # none of them stored anything
    sneaky = 'done", "admin": true, "x": "'
    await bot.driver.slash("U0004", channel, f"run note-deploy {sneaky}")
    await bot.settled()
    await bot.driver.click("U0004", channel, _plan(bot, "U0004", channel).ts, "action_confirm")
    await bot.settled()
    (sent,) = endpoint.received
    assert sent["body"] == {"text": sneaky}  # one string value, however it is quoted


async def test_an_outsider_is_refused_and_nothing_is_sent(bot: Bot, endpoint: Endpoint) -> None:
    channel = await _incident(bot)
    bot.ws.channels[channel].members.append("U0001")
    refused = await bot.driver.slash("U0001", channel, "run restart-workers")
    assert ":no_entry:" in refused.ephemeral_text
    await bot.settled()
    assert endpoint.received == []


async def test_a_failing_endpoint_is_said_plainly(bot: Bot, endpoint: Endpoint) -> None:
    endpoint.fail_next(503)
    channel = await _incident(bot)
    await bot.driver.slash("U0004", channel, "run restart-workers")
    await bot.settled()
    await bot.driver.click("U0004", channel, _plan(bot, "U0004", channel).ts, "action_confirm")
    await bot.settled()
    posted = "\n".join(bot.seen(channel))
    assert "Runbook action `restart-workers` on `cv-detector` failed: HTTP 503" in posted
    assert len(endpoint.received) == 1  # sent once, not retried: the endpoint may have acted


async def test_the_card_offers_the_actions_that_fit_the_incident_type(bot: Bot, endpoint: Endpoint) -> None:
    status, _ = await bot.post_alert(
        "generic", {"model": "cv-detector", "metric": "map", "value": 0.31, "baseline": 0.62, "slices_total": 40}
    )
    assert status == 202
    await bot.settled()
    channel = bot.incident_channels()[0]
    card = channel.message(channel.pins[0])
    labels = [e["text"]["text"] for b in card.blocks for e in b.get("elements", []) if e.get("type") == "button"]
    assert "▶ Restart the workers" in labels  # fits quality incidents and takes no input
    assert "▶ Pin preprocessing to a version…" in labels  # fits, and asks for its input in a form
    assert not [x for x in labels if "deploy log" in x]  # fits no type: `/incident run` only
    await bot.driver.click("U0004", channel.id, card.ts, "incident_runbook")
    await bot.settled()
    await bot.driver.click("U0004", channel.id, _plan(bot, "U0004", channel.id).ts, "action_confirm")
    await bot.settled()
    assert [r["path"] for r in endpoint.received] == ["/api/cv-detector/restart?incident=1"]

    await bot.driver.click("U0004", channel.id, card.ts, "incident_runbook_input", value="1:pin-preprocess")
    view_id = await bot.opened_view("Runbook action")
    wrong = await bot.driver.submit("U0004", view_id, {"runbook_input": "latest"})
    assert "`latest` is not a valid Version for `pin-preprocess`" in wrong.json["errors"]["runbook_input_block"]
    await bot.driver.submit("U0004", view_id, {"runbook_input": "2.3.1"})
    await bot.settled()
    plan = _plan(bot, "U0004", channel.id)
    assert '`{"version": "2.3.1", "why": "INC-1"}`' in plan.text
    await bot.driver.click("U0004", channel.id, plan.ts, "action_confirm")
    await bot.settled()
    assert endpoint.received[-1]["body"] == {"version": "2.3.1", "why": "INC-1"}


async def _run_confirmed(bot: Bot, channel: str, *, started: bool = False, drill: str | None = None) -> None:
    """A confirmed `restart-workers` row handed to the runner, as the outbox would: `started`, as if sevbot stopped
    mid-call; `drill`, on a drill's incident."""
    from bot import serving
    from bot.containment import ActionKind, ActionStatus
    from bot.containment.run import execute
    from bot.models import Incident

    now = bot.services.clock.now()
    async with bot.services.db.session_scope() as session:
        incident = await session.get(Incident, 1)
        assert incident is not None
        incident.drill = drill
        session.add(incident)
        params = {"action": "restart-workers", "channel": channel}
        action = Action(
            incident_id=1,
            kind=ActionKind.RUN,
            model="cv-detector",
            backend="mlflow",
            status=ActionStatus.RUNNING,
            requested_by="U0004",
            requested_at=now,
            confirmed_by="U0004",
            params={**params, "started_at": now.isoformat()} if started else params,
        )
        session.add(action)
        await session.flush()
        number = action.id
    assert number is not None
    services = bot.services
    await execute(
        services.db, config=services.config, clock=services.clock, backend_for=serving.backend_for, action_id=number
    )
    await bot.settled()


async def test_a_run_cut_off_by_a_restart_is_not_sent_again(bot: Bot, endpoint: Endpoint) -> None:
    """The row was claimed and the call started when sevbot stopped: the endpoint may have acted, so the next
    start says so instead of sending it a second time."""
    channel = await _incident(bot)
    await _run_confirmed(bot, channel, started=True)
    assert endpoint.received == []
    posted = "\n".join(bot.seen(channel))
    assert "Runbook action `restart-workers` on `cv-detector` failed" in posted
    assert "It may have been received: check the endpoint before running it again." in posted


async def test_a_drill_never_sends_a_runbook_action(bot: Bot, endpoint: Endpoint) -> None:
    """A drill's model has no actions; should a run reach the runner for a drill's incident all the same, it is
    refused there, in the one guard, and nothing is sent."""
    channel = await _incident(bot)
    await _run_confirmed(bot, channel, drill="bad-retrain")
    assert endpoint.received == []
    assert "INC-1 is a drill: it sends no runbook action" in "\n".join(bot.seen(channel))
