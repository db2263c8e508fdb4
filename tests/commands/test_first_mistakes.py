"""The first mistakes a newcomer makes are answered privately and change nothing they did not mean: declaring a model
whose incident is open asks first, a mistyped version posts nothing, resolving what a verification found not
recovered asks for a yes."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.config import parse_config
from bot.incidents import timeline as events
from bot.incidents.timeline import EventKind
from bot.serving.simulated import SimulatedBackend
from tests.harness import CONFIG, Bot, declare, running_bot, timeline

NOT_RECOVERED = {
    "model": "cv-detector",
    "verdicts": [
        {
            "metric": "map",
            "name": "mAP",
            "verdict": "not_recovered",
            "bound": "≥ 0.55",
            "window_s": 3600.0,
            "share_inside": 0.73,
            "current": 0.61,
            "points": 60,
            "expected": 60,
            "limit": 0.55,
            "series": [],
        }
    ],
}


def _public(bot: Bot) -> dict[str, int]:
    return {c.id: sum(m.ephemeral_to is None for m in c.messages) for c in bot.ws.channels.values()}


async def _verified_not_recovered(bot: Bot, incident_id: int = 1) -> None:
    async with bot.services.db.session_scope() as session:
        events.add(
            session,
            incident_id=incident_id,
            actor="U0001",
            kind=EventKind.VERIFICATION,
            at=bot.services.clock.now() + timedelta(seconds=1),
            **NOT_RECOVERED,
        )


async def test_declaring_a_model_whose_incident_is_open_asks_first(bot: Bot) -> None:
    await declare(bot)
    general = bot.channel("general").id
    reply = await bot.driver.slash("U0002", general, "declare sev2 cv-detector mAP down again")
    assert "*INC-1* is already open for `cv-detector` (SEV2, " in reply.ephemeral_text
    assert f"<#{bot.incident_channels()[0].id}>" in reply.json["text"]  # its channel, as a link
    await bot.settled()
    assert len(bot.incident_channels()) == 1  # nothing declared, nothing announced
    assert len(bot.seen(bot.channel("incidents").id)) == 1
    question = bot.driver.shown(reply, "U0002", general)
    await bot.driver.click("U0002", general, question.ts, "declare_join")
    await bot.settled()
    (channel,) = bot.incident_channels()
    assert "U0002" in channel.members and len(bot.incident_channels()) == 1
    assert f"Adding you to <#{channel.id}>" in question.text and "Nothing new was declared" in question.text  # replaced

    reply = await bot.driver.slash("U0003", general, "declare sev3 cv-detector a different problem: latency")
    question = bot.driver.shown(reply, "U0003", general)
    await bot.driver.click("U0003", general, question.ts, "declare_anyway")
    await bot.settled()
    assert len(bot.incident_channels()) == 2
    assert "Declared *INC-2* (SEV3): a different problem: latency" in question.text


async def test_containment_from_an_alert_card_stays_on_the_card_s_incident(bot: Bot) -> None:
    from bot.tryout.emulator.webhooks import am_alert, am_payload
    from tests.harness import post_alert

    await post_alert(bot, "alertmanager", am_payload(*[am_alert(f"cam-{n}", 0.4) for n in range(6)]))
    await bot.settled()  # INC-1, declared from the card
    reply = await bot.driver.slash("U0004", bot.channel("general").id, "declare sev2 cv-detector second look")
    await bot.driver.click(
        "U0004",
        bot.channel("general").id,
        bot.driver.shown(reply, "U0004", bot.channel("general").id).ts,
        "declare_anyway",
    )
    await bot.settled()  # INC-2 on the same model, declared on purpose
    alerts = bot.channel("ml-alerts")
    card = next(m for m in alerts.messages if "alert_rollback" in str(m.blocks))
    await bot.driver.click("U0004", alerts.id, card.ts, "alert_rollback")
    await bot.settled()
    asked = [(i, k) for i, _, k, d in await timeline(bot) if k == "action"]
    assert all(i == 1 for i, _ in asked) or not asked
    async with bot.services.db.session_scope() as session:
        from sqlmodel import select

        from bot.models import Action

        (action,) = (await session.exec(select(Action))).all()
    assert action.incident_id == 1


async def test_a_mistyped_version_is_answered_privately_and_posts_nothing(tmp_path: Path) -> None:
    config = copy.deepcopy(CONFIG)
    config["models"]["cv-detector"]["serving"] = {"backend": "simulated"}
    SimulatedBackend.reset(lambda: datetime.now(UTC))
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config)) as bot:
        await _mistyped(bot)


async def _mistyped(bot: Bot) -> None:
    await declare(bot)
    before = _public(bot)
    general = bot.channel("general").id
    await bot.driver.slash("U0004", general, "rollback cv-detector to 9.9.9")
    await bot.settled()
    private = [m for m in bot.ws.channels[general].messages if m.ephemeral_to == "U0004"]
    assert private and "9.9.9" in private[-1].text and "Confirm" not in str(private[-1].blocks)
    assert _public(bot) == before  # nothing public anywhere
    assert "action" not in [k for _, _, k, _ in await timeline(bot)]


async def test_resolving_after_not_recovered_asks_for_a_yes(bot: Bot) -> None:
    _, channel = await declare(bot)
    await _verified_not_recovered(bot)
    reply = await bot.driver.slash("U0001", channel.id, "resolve looks fine to me")
    assert "The last verification of INC-1" in reply.ephemeral_text
    assert "mAP *not recovered* (73 % of the last 1 h inside ≥ 0.55)" in reply.ephemeral_text
    await bot.settled()
    assert "resolved" not in [k for _, _, k, _ in await timeline(bot)]
    question = bot.driver.shown(reply, "U0001", channel.id)
    await bot.driver.click("U0001", channel.id, question.ts, "resolve_anyway")
    await bot.settled()
    assert "resolved" in [k for _, _, k, _ in await timeline(bot)]
    assert "Resolved *INC-1* although its last verification said not recovered" in question.text


async def test_the_resolve_form_asks_for_the_box_after_not_recovered(bot: Bot) -> None:
    _, channel = await declare(bot)
    await _verified_not_recovered(bot)
    await bot.driver.click("U0001", channel.id, bot.ws.channels[channel.id].pins[0], "incident_resolve")
    view_id = await bot.opened_view("Resolve INC-1")
    reply = await bot.driver.submit("U0001", view_id, {"summary": "fine"})
    assert reply.json["response_action"] == "errors"
    assert "said mAP *not recovered* (73 % of the last 1 h inside ≥ 0.55)" in reply.json["errors"]["despite_block"]
    assert "resolved" not in [k for _, _, k, _ in await timeline(bot)]
    await bot.driver.submit("U0001", view_id, {"summary": "fine", "despite": ["yes"]})
    await bot.settled()
    assert "resolved" in [k for _, _, k, _ in await timeline(bot)]


async def test_the_declare_form_asks_too_and_keeps_what_was_typed(bot: Bot) -> None:
    await declare(bot)
    general = bot.channel("general").id
    await bot.driver.slash("U0002", general, "declare")
    view_id = await bot.opened_view("Declare an incident")
    typed = {"severity": "SEV3", "model": "cv-detector", "title": "latency on the new pods", "description": "p95 up"}
    reply = await bot.driver.submit("U0002", view_id, typed)
    assert reply.json["response_action"] == "update"  # the form comes back, asking
    await bot.settled()
    assert len(bot.incident_channels()) == 1
    view = bot.ws.views[view_id]
    shown = str(view["blocks"])
    assert "*INC-1* is already open for `cv-detector`" in shown and "Declare a new incident anyway" in shown
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["title_block"]["initial_value"] == "latency on the new pods"  # nothing typed is lost
    assert inputs["severity_block"]["initial_option"]["value"] == "SEV3"
    await bot.driver.submit("U0002", view_id, {**typed, "despite": ["yes"]})
    await bot.settled()
    assert len(bot.incident_channels()) == 2
