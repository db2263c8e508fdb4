"""The alert endpoints: refusals that change nothing, and what an accepted alert does."""

from __future__ import annotations

import json

import pytest

from tests.harness import Bot, am_alert, am_payload, card_text, post_alert, seen, timeline


async def _counts(bot: Bot) -> tuple[int, int]:
    import sqlalchemy as sa

    from bot.models import Alert, Incident

    async with bot.services.db.session_scope() as session:
        alerts = (await session.exec(sa.select(sa.func.count()).select_from(Alert))).one()  # type: ignore[call-overload]
        incidents = (await session.exec(sa.select(sa.func.count()).select_from(Incident))).one()  # type: ignore[call-overload]
    return int(alerts[0]), int(incidents[0])


@pytest.mark.parametrize(
    ("source", "body", "token", "raw", "status", "error"),
    [
        ("generic", {"model": "cv-detector"}, None, None, 401, "missing or wrong bearer token"),
        ("generic", {"model": "cv-detector"}, "wrong", None, 401, "missing or wrong bearer token"),
        ("generic", None, "ok", b"{" + b" " * (1024 * 1024), 413, "body over 1,048,576 bytes"),
        ("generic", None, "ok", b'{"model": "cv-detector",', 400, "body is not JSON"),
        ("generic", {"metric": "map", "value": 0.4}, "ok", None, 400, "alerts.0.model: Field required"),
        ("generic", {"model": "m", "value": "high"}, "ok", None, 400, "alerts.0.value: Input should be a valid number"),
        ("generic", {"model": "m", "failure_rate": 3}, "ok", None, 400, "alerts.0.failure_rate: Input should be less"),
        ("alertmanager", {"version": "4", "status": "firing"}, "ok", None, 400, "alerts: Field required"),
        (
            "alertmanager",
            {"version": "3", "status": "firing", "alerts": [am_alert("cam-1", 0.4)]},
            "ok",
            None,
            400,
            "version: Input should be '4'",
        ),
        ("alertmanager", am_payload({**am_alert("cam-1", 0.4), "labels": None}), "ok", None, 400, "alerts.0.labels"),
        ("grafana", {"status": "firing", "alerts": []}, "ok", None, 400, "alerts: List should have at least 1 item"),
        ("datadog", {"x": 1}, "ok", None, 404, "no alert source 'datadog'"),
    ],
)
async def test_refusals_name_the_problem_and_change_nothing(
    bot: Bot, source: str, body: object, token: str | None, raw: bytes | None, status: int, error: str
) -> None:
    real = "sandbox-alert-token" if token == "ok" else token
    code, answer = await post_alert(bot, source, body, token=real, raw=raw)
    assert code == status, answer
    assert error in answer["error"]
    await bot.settled()
    assert await _counts(bot) == (0, 0)
    assert bot.channel("ml-alerts").messages == []


async def test_exactly_one_mebibyte_is_accepted(bot: Bot) -> None:
    body = json.dumps({"model": "cv-detector", "metric": "map", "value": 0.6, "summary": "x"}).encode()
    padded = body[:-1] + b" " * (1024 * 1024 - len(body)) + b"}"
    assert len(padded) == 1024 * 1024
    code, _ = await post_alert(bot, "generic", None, raw=padded)
    assert code == 202


async def test_global_breach_from_alertmanager_declares_sev1_with_reasons(bot: Bot) -> None:
    cameras = [am_alert(f"cam-{n:02d}", 0.41 + n / 100) for n in range(6)]
    code, answer = await post_alert(bot, "alertmanager", am_payload(*cameras))
    assert code == 202
    assert answer == {
        "alerts": {"new": 6, "updated": 0, "resolved": 0},
        "incidents": [1],
        "declared": [1],
        "alert_groups": [1],
    }
    await bot.settled()
    (channel,) = bot.incident_channels()
    card = card_text(bot, channel.id)
    assert "*SEV1 · INC-1" in card and "automatically by sevbot from an alert" in card
    assert "*Why SEV1:*" in card and "map 0.41 is below its SLO (0.55)" in card
    assert "broken globally: 6 of 10 cameras (60 %)" in card
    assert "roll back or switch to the last known good version now" in card
    alert_card = seen(bot, bot.channel("ml-alerts").id)
    assert len(alert_card) == 1
    assert "Declared automatically as *INC-1* → #inc-" in alert_card[0] and "[Declare" not in alert_card[0]
    kinds = [kind for _, _, kind, _ in await timeline(bot)]
    assert kinds.count("alert") == 6


async def test_localized_breach_is_sev2(bot: Bot) -> None:
    body = {
        "model": "cv-detector",
        "metric": "map",
        "value": 0.41,
        "slice_label": "cameras",
        "slices": {f"cam-{n}": (0.41 if n < 3 else 0.62) for n in range(10)},
    }
    code, answer = await post_alert(bot, "generic", body)
    assert code == 202 and answer["declared"] == [1]
    await bot.settled()
    card = card_text(bot, bot.incident_channels()[0].id)
    assert "*SEV2 · INC-1" in card and "localized: 3 of 10 cameras (30 %)" in card
    assert "switch to fallback `cv-detector-lite`" in card


async def test_repeats_update_one_alert_and_one_incident(bot: Bot) -> None:
    payload = am_payload(*[am_alert(f"cam-{n}", 0.4) for n in range(6)])
    for _ in range(5):
        code, _answer = await post_alert(bot, "alertmanager", payload)
        assert code == 202
    await bot.settled()
    assert await _counts(bot) == (6, 1)
    assert len(bot.incident_channels()) == 1
    assert len(bot.channel("ml-alerts").messages) == 1
    assert [kind for _, _, kind, _ in await timeline(bot)].count("alert") == 6


async def test_alerts_on_an_open_incident_go_to_one_threaded_summary(bot: Bot) -> None:
    await post_alert(bot, "alertmanager", am_payload(*[am_alert(f"cam-{n}", 0.4) for n in range(6)]))
    await bot.settled()
    (channel,) = bot.incident_channels()
    for n in range(6, 36):
        await post_alert(bot, "alertmanager", am_payload(am_alert(f"cam-{n}", 0.45, total=40)))
    await bot.settled()
    replies = [m for m in channel.messages if m.thread_ts and m.thread_ts != m.ts]
    assert len(replies) == 1  # one summary, kept up to date
    assert replies[0].thread_ts == channel.pins[0]
    assert "*Alerts on this incident:* 36 firing, 0 resolved" in replies[0].blocks[0]["text"]["text"]
    code, answer = await post_alert(
        bot, "alertmanager", am_payload(am_alert("cam-7", 0.6, status="resolved", total=40))
    )
    assert code == 202
    assert answer["alerts"] == {"new": 0, "updated": 1, "resolved": 1} and answer["incidents"] == [1]
    await bot.settled()
    assert "35 firing, 1 resolved" in replies[0].blocks[0]["text"]["text"]
    resolved = [d for _, _, kind, d in await timeline(bot) if kind == "alert" and d["status"] == "resolved"]
    assert [d["slice"] for d in resolved] == ["cam-7"]


async def test_an_alert_storm_makes_one_incident_and_few_messages(bot: Bot) -> None:
    for batch in range(20):
        alerts = [am_alert(f"cam-{batch * 15 + n}", 0.3, total=300) for n in range(15)]
        await post_alert(bot, "alertmanager", am_payload(*alerts))
    await bot.settled()
    assert await _counts(bot) == (300, 1)
    posts = len(bot.emulator.calls_to("chat.postMessage", ok=True))
    assert posts <= 4, posts  # card, alert card, announcement, one digest


async def test_alert_text_pings_nobody(bot: Bot) -> None:
    bot.emulator.mentions_planted = True  # shown literally, as they must be
    evil = am_alert("<!channel>", 0.4, summary="<!here> mAP low, ask <@U0002> & <!subteam^S0ONCALL>")
    evil["labels"]["camera"] = "<!channel>"
    await post_alert(bot, "alertmanager", am_payload(evil))
    await bot.settled()
    everything = [m for c in bot.ws.channels.values() for m in c.messages]
    assert everything
    for message in everything:
        raw = message.text + json.dumps(message.blocks)
        assert "<!channel>" not in raw and "<!here>" not in raw and "<@U0002>" not in raw and "<!subteam" not in raw
    card = card_text(bot, bot.incident_channels()[0].id)
    assert "&lt;!here&gt; mAP low, ask &lt;@U0002&gt; &amp; &lt;!subteam^S0ONCALL&gt;" in json.dumps(
        bot.incident_channels()[0].message(bot.incident_channels()[0].pins[0]).blocks
    )
    assert "<!here> mAP low, ask <@U0002> & <!subteam^S0ONCALL>" in card  # shown literally to people


def _grafana(status: str, value: float) -> dict[str, object]:
    """A Grafana unified-alerting webhook, as Grafana sends it (version 1)."""
    return {
        "receiver": "sevbot",
        "status": status,
        "orgId": 1,
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": "RankerNDCGLow", "model": "ranker", "metric": "ndcg", "region": "eu-west"},
                "annotations": {"summary": "NDCG@10 fell in eu-west", "threshold": "0.3"},
                "startsAt": "2026-11-22T03:05:00Z",
                "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-22T03:40:00Z",
                "generatorURL": "https://grafana.example/alerting/grafana/abc/view",
                "fingerprint": "5a1b2c3d4e5f6071",
                "silenceURL": "https://grafana.example/alerting/silence/new",
                "dashboardURL": "https://grafana.example/d/ranker",
                "panelURL": "https://grafana.example/d/ranker?viewPanel=2",
                "values": {"B": value, "C": 1},
                "valueString": f"[ var='B' labels={{region=eu-west}} value={value} ]",
            }
        ],
        "groupLabels": {"alertname": "RankerNDCGLow"},
        "commonLabels": {"alertname": "RankerNDCGLow"},
        "commonAnnotations": {},
        "externalURL": "https://grafana.example/",
        "version": "1",
        "groupKey": '{}:{alertname="RankerNDCGLow"}',
        "truncatedAlerts": 0,
        "title": "[FIRING:1] RankerNDCGLow",
        "state": "alerting",
        "message": "NDCG@10 fell",
    }


async def test_grafana_alert_is_triaged_from_its_labels_and_its_resolution_reaches_the_incident(bot: Bot) -> None:
    code, answer = await post_alert(bot, "grafana", _grafana("firing", 0.21))
    assert code == 202 and answer["alerts"] == {"new": 1, "updated": 0, "resolved": 0} and answer["declared"] == [1]
    await bot.settled()
    (card,) = seen(bot, bot.channel("ml-alerts").id)
    assert "*SEV2 · NDCG@10 fell in eu-west*" in card and "Model `ranker`" in card
    assert "ndcg 0.21 is below its SLO (0.3)" in card  # the value from Grafana's `values`, the rule's threshold
    assert "localized: 1 of an unknown number of regions in breach" in card
    assert (
        "Source (https://grafana.example/alerting/grafana/abc/view)\n  :white_check_mark: Declared automatically"
        in card
    )
    code, answer = await post_alert(bot, "grafana", _grafana("resolved", 0.34))
    assert code == 202 and answer["alerts"] == {"new": 0, "updated": 1, "resolved": 1} and answer["incidents"] == [1]
    await bot.settled()
    (channel,) = bot.incident_channels()
    replies = [m for m in channel.messages if m.thread_ts and m.thread_ts != m.ts]
    assert "*Alerts on this incident:* 0 firing, 1 resolved" in replies[-1].blocks[0]["text"]["text"]
    statuses = [d["status"] for _, _, kind, d in await timeline(bot) if kind == "alert"]
    assert statuses == ["firing", "resolved"]


async def test_alerts_for_an_unknown_model_group_once_and_are_never_declared(bot: Bot) -> None:
    alert = am_alert("cam-1", 0.2, model="fraud-scorer", total=2)  # a model sevbot.yml does not name
    for _ in range(3):
        code, answer = await post_alert(bot, "alertmanager", am_payload(alert))
        assert code == 202 and answer["declared"] == [] and answer["alert_groups"] == [1], answer
    nameless = {**am_alert("cam-1", 0.2), "labels": {"alertname": "HighErrorRate", "service": "api"}}
    for _ in range(3):
        code, answer = await post_alert(bot, "alertmanager", am_payload(nameless))
        assert code == 202 and answer["declared"] == [] and answer["alert_groups"] == [2], answer
    await bot.settled()
    assert bot.incident_channels() == []
    cards = seen(bot, bot.channel("ml-alerts").id)
    assert len(cards) == 2, cards
    assert "`fraud-scorer` is not in sevbot.yml" in cards[0] and "Add it under `models:`" in cards[0]
    assert "These alerts name no model: add a `model` label" in cards[1]
    assert await _counts(bot) == (2, 0)


@pytest.mark.parametrize(
    ("source", "body", "headers", "status", "error"),
    [
        ("generic", {"model": "cv-detector", "deployed_at": "9999-12-31T23:59:59-14:00"}, {}, 400, "deployed_at"),
        ("alertmanager", am_payload(am_alert("c", 0.4, starts_at="0001-01-01T00:30:00+01:00")), {}, 400, "startsAt"),
        ("alertmanager", am_payload(am_alert("c", 0.4, deployed_at="9999-12-31T23:59:59-14:00")), {}, 400, "deploy"),
        ("generic", b"[" * 1000 + b"]" * 1000, {}, 400, "nested"),
        ("generic", {"model": "cv-detector"}, {"Content-Encoding": "gzip"}, 400, "Content-Encoding: gzip"),
        ("generic", {"model": "cv-detector"}, {"Authorization": "Bearer \u00ff\u00e9"}, 401, "bearer token"),
        ("generic", {"model": "m", "histograms": {"baseline": [1, -2], "current": [1, 2]}}, {}, 400, "non-negative"),
        ("generic", {"model": "m", "histograms": {"baseline": [], "current": [1]}}, {}, 400, "at least one bin"),
        ("generic", {"model": "m", "histograms": {"baseline": [[1, 2], [1]], "current": [[1, 2]]}}, {}, 400, "hist"),
        ("generic", {"model": "m", "histograms": {"baseline": [1, 2], "current": [1, 2, 3]}}, {}, 400, "bins"),
        ("generic", {"model": "m", "labels": {"camera": "\ud800"}}, {}, 400, "labels.camera: not valid Unicode"),
    ],
)
async def test_impossible_alerts_are_refused_by_name_not_retried(
    bot: Bot, source: str, body: object, headers: dict[str, str], status: int, error: str
) -> None:
    """Alertmanager retries a 5xx for ever, taking the notification's other alerts with it: these must be 4xx."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", "Authorization": "Bearer sandbox-alert-token", **headers}
    async with bot.driver.http.post(f"{bot.url}/alerts/{source}", data=data, headers=sent) as response:
        answer = await response.json()
        assert response.status == status, answer
    assert error in answer["error"], answer
    await bot.settled()
    assert await _counts(bot) == (0, 0)
