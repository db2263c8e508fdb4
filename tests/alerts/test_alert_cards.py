"""Alert cards that wait for a person: acknowledge, dismiss as noise (with a reason), or declare from them."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import Bot, card_text, eventually, post_alert, seen, timeline

DRIFT = {
    "model": "cv-detector",
    "name": "ScoreDrift",
    "metric": "confidence",
    "summary": "Confidence scores drifting on site B",
    "histograms": {
        "baseline": [[10, 20, 40, 20, 10]] * 3,
        "current": [[10, 20, 40, 20, 10], [40, 30, 20, 5, 5], [50, 30, 10, 5, 5]],
    },
    "runbook_url": "https://wiki.example/runbooks/drift",
}


async def _drift_card(bot: Bot) -> tuple[str, str]:
    code, answer = await post_alert(bot, "generic", DRIFT)
    assert code == 202 and answer["declared"] == [] and answer["alert_groups"] == [1]
    await bot.settled()
    alerts = bot.channel("ml-alerts")
    (message,) = [m for m in alerts.messages if m.blocks]
    return alerts.id, message.ts


async def test_drift_is_sev3_and_waits_for_a_person(bot: Bot) -> None:
    channel, _ts = await _drift_card(bot)
    (card,) = seen(bot, channel)
    assert "*SEV3 · Confidence scores drifting on site B*" in card
    assert "drift: PSI" in card and "(alarm line 0.2)" in card
    assert "*First:* monitor and schedule the fix." in card
    assert "Runbook (https://wiki.example/runbooks/drift)" in card
    assert "[Declare SEV3] [Acknowledge] [Dismiss as noise]" in card
    assert bot.incident_channels() == []


async def test_acknowledge_then_dismiss_with_a_reason(bot: Bot) -> None:
    channel, ts = await _drift_card(bot)
    await bot.driver.click("U0004", channel, ts, "alert_acknowledge")
    await bot.settled()
    card = seen(bot, channel)[0]
    assert "Acknowledged by @dave at" in card and "[Acknowledge]" not in card and "(edited)" in card

    await bot.driver.click("U0004", channel, ts, "alert_dismiss")
    view = await bot.opened_view("Dismiss as noise")
    refused = await bot.driver.submit("U0004", view, {"reason": " "})
    assert refused.json["errors"] == {"reason_block": "Say why this is noise."}
    await bot.driver.submit("U0004", view, {"reason": "site B cameras were re-aimed <!channel>"})
    await bot.settled()
    card = seen(bot, channel)[0]
    assert "Dismissed as noise by @dave at" in card and "site B cameras were re-aimed <!channel>" in card
    assert "[Declare" not in card
    assert "<!channel>" not in str(bot.channel("ml-alerts").messages[0].blocks)

    bot.channel("ml-alerts").messages[0].blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "alert_acknowledge",
                    "value": "1",
                    "text": {"type": "plain_text", "text": "Acknowledge"},
                }
            ],
        }
    )
    await bot.driver.click("U0002", channel, ts, "alert_acknowledge")  # a client still showing the old card
    await eventually(lambda: bot.ws.responses)
    assert bot.ws.responses[-1]["text"].endswith("This alert was dismissed already.")


async def test_declare_from_the_card(bot: Bot) -> None:
    channel, ts = await _drift_card(bot)
    await bot.driver.click("U0002", channel, ts, "alert_declare")
    view_id = await bot.opened_view("Declare an incident")
    view = bot.ws.views[view_id]
    initial = {
        b["block_id"]: b["element"].get("initial_option", {}).get("value") or b["element"].get("initial_value")
        for b in view["blocks"]
        if b["type"] == "input"
    }
    assert initial["severity_block"] == "SEV3" and initial["model_block"] == "cv-detector"
    assert initial["title_block"] == "Confidence scores drifting on site B"
    await bot.driver.submit(
        "U0002", view_id, {"severity": "SEV2", "model": "cv-detector", "title": "Confidence drift on site B"}
    )
    await bot.settled()
    (incident,) = bot.incident_channels()
    card = card_text(bot, incident.id)
    assert "*SEV2 · INC-1 · Confidence drift on site B*" in card and "*Commander:* @bob" in card
    assert "*sevbot's triage said SEV3, because:*" in card and "drift: PSI" in card  # beside the human's call
    alert_card = seen(bot, channel)[0]
    assert "Declared as *INC-1*" in alert_card and f"#{incident.name}" in alert_card
    assert [kind for _, _, kind, _ in await timeline(bot)].count("alert") == 1


async def test_a_recent_deploy_says_roll_back_first(bot: Bot) -> None:
    now = bot.services.clock.now()
    body = {
        "model": "ranker",
        "metric": "ctr",
        "value": 0.021,
        "baseline": 0.024,
        "name": "CtrDrop",
        "deployed_at": (now - timedelta(minutes=25)).isoformat(),
        "starts_at": (now - timedelta(minutes=5)).isoformat(),
    }
    code, answer = await post_alert(bot, "generic", body)
    assert code == 202 and answer["declared"] == [1]  # 12.5 % below baseline: SEV2, declared by policy
    await bot.settled()
    card = card_text(bot, bot.incident_channels()[0].id)
    assert "*First:* roll back `ranker` first — deployed 20 min before the breach" in card
    assert "12 % worse than baseline 0.024" in card or "13 % worse than baseline 0.024" in card
