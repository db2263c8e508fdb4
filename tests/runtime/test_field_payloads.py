"""Payloads from the field, as Slack, Alertmanager and Grafana send them: a signed interaction whose shape bolt
cannot read is a 400 naming the field (never a 500); `null` where Alertmanager's and Grafana's own tests send it is
taken as empty; an alert without a `model` label says so plainly; a breach that started long ago shows its date;
and an alert fired inside its SLO is not counted as a slice in breach."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.tryout.emulator.webhooks import am_alert, am_payload
from tests.harness import Bot, post_alert, seen


def _everything(bot: Bot) -> str:
    """The alerts channel and every incident channel, as people read them."""
    channels = [bot.channel("ml-alerts").id, *(c.id for c in bot.incident_channels())]
    return "\n".join(m for channel in channels for m in seen(bot, channel))


def _submission(view: dict[str, Any], **extra: Any) -> str:
    payload = {"type": "view_submission", "user": {"id": "U0001"}, "trigger_id": "t1", "view": view, **extra}
    return urlencode({"payload": json.dumps(payload)})


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (_submission({"callback_id": "declare", "state": {"values": {}}}), "payload.view.type"),
        (_submission({"type": "modal", "callback_id": "declare"}, team=["T1"]), "payload.team"),
        (_submission({"type": "modal", "callback_id": "declare"}, enterprise=7), "payload.enterprise"),
        (_submission({"type": "modal", "callback_id": "declare"}, authorizations=["x"]), "payload.authorizations[0]"),
    ],
)
async def test_a_signed_payload_bolt_cannot_read_is_a_400_naming_the_field(bot: Bot, body: str, named: str) -> None:
    reply = await bot.driver.send(body)
    assert reply.status == 400 and named in reply.text, reply.text


async def test_an_event_of_the_wrong_shape_is_a_400(bot: Bot) -> None:
    reply = await bot.driver.send(
        json.dumps({"type": "event_callback", "event": {"type": "message", "channel": ["C1"]}}),
        content_type="application/json",
    )
    assert reply.status == 400 and "body.event.channel" in reply.text


async def test_null_where_alertmanager_and_grafana_send_it_is_empty(bot: Bot) -> None:
    alert = {**am_alert("cam-1", 0.40), "annotations": None, "generatorURL": None, "fingerprint": None}
    code, answer = await post_alert(bot, "alertmanager", {**am_payload(alert), "receiver": None, "groupKey": None})
    assert code == 202, answer
    grafana = {
        "status": "firing",
        "receiver": None,
        "alerts": [{**am_alert("cam-2", 0.40), "annotations": None, "values": None}],
    }
    code, answer = await post_alert(bot, "grafana", grafana)
    assert code == 202, answer


async def test_alerts_without_a_model_label_say_what_to_add(bot: Bot) -> None:
    alert = am_alert("cam-1", 0.40)
    alert["labels"] = {k: v for k, v in alert["labels"].items() if k != "model"}
    code, _ = await post_alert(bot, "alertmanager", am_payload(alert))
    assert code == 202
    await bot.settled()
    (card,) = seen(bot, bot.channel("ml-alerts").id)
    assert "no `model` label on these alerts: add one to the alert rule" in card
    assert "`no model`" not in card and "is not in sevbot.yml" not in card


async def test_a_breach_that_started_long_ago_shows_its_date(bot: Bot) -> None:
    old = [am_alert(f"cam-{n}", 0.40, starts_at="2021-10-12T08:00:00Z") for n in range(1, 3)]
    await post_alert(bot, "alertmanager", am_payload(*old))
    await bot.settled()
    shown = "\n".join(
        seen(bot, bot.channel("ml-alerts").id) + [m for c in bot.incident_channels() for m in seen(bot, c.id)]
    )
    assert "in breach since 2021-10-12 08:00 UTC" in shown
    assert " d" not in shown.split("in breach since")[0][-40:]  # not "breached for 1877 d"


async def test_an_alert_fired_inside_its_slo_is_not_a_slice_in_breach(bot: Bot) -> None:
    """Three cameras fired; cam-3's own value (0.61) is inside the SLO (≥ 0.55): two of ten are in breach."""
    alerts = [am_alert("cam-1", 0.40), am_alert("cam-2", 0.41), am_alert("cam-3", 0.61)]
    await post_alert(bot, "alertmanager", am_payload(*alerts))
    await bot.settled()
    shown = "\n".join(
        seen(bot, bot.channel("ml-alerts").id) + [m for c in bot.incident_channels() for m in seen(bot, c.id)]
    )
    assert "2 of 10 cameras" in shown and "3 of 10" not in shown
    assert "1 camera fired but is inside the SLO by its own value (cam-3): not counted as in breach" in shown
