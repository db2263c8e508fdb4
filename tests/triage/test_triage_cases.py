"""Triage, case by case, through the alert endpoint as a monitor would send it: the severity, the incident type,
the facts that decided it and the ones it lacked, as the alert card says them. The brief's worked examples, and a
case of our own per type."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import parse_config
from tests.harness import CONFIG as BASE
from tests.harness import Bot, post_alert, running_bot, seen

CAMERAS = {f"cam-{n}": (0.40 if 23 <= n <= 34 else 0.61) for n in range(1, 91)}  # 12 of 90 below 0.55


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    config = copy.deepcopy(BASE)
    config["models"]["cv-detector"]["slos"] = {
        "map": {"min": 0.55, "window": "60m"},
        "recall": {"min": 0.75},
        "latency_p95_ms": {"max": 120},
        "feature_null_rate": {"max": 0.02},
        "toxicity_rate": {"max": 0.001},
        "rows_ingested": {"min": 1000, "kind": "training"},
    }
    config["severities"] = {"SEV1": {"auto_declare": False}, "SEV2": {"auto_declare": False}}
    async with running_bot(f"sqlite:///{tmp_path / 's.db'}", config=parse_config(config)) as running:
        yield running


CASES: list[tuple[str, dict[str, Any], str, list[str]]] = [
    (
        "an SLO broken on 12 of 90 cameras while the mean is inside it: localized, the cameras named",
        {"metric": "map", "value": 0.58, "slices": CAMERAS, "slice_label": "camera", "baseline": 0.6},
        "SEV2",
        [
            "is inside its SLO on average, but not on every slice",
            "localized: 12 of 90 cameras (13 %)",
            "*Type:* model quality",
        ],
    ),
    (
        "the brief's lighting example: recall 0.82 → 0.67 on cameras 23-40 of 40",
        {
            "metric": "recall",
            "value": 0.79,
            "slices": {f"cam-{n}": (0.67 if n >= 23 else 0.82) for n in range(1, 41)},
            "slice_label": "cameras",
            "baseline": 0.82,
        },
        "SEV2",
        ["localized: 18 of 40 cameras (45 %)"],
    ),
    (
        "slices broken on more than half: global whatever the mean says",
        {
            "metric": "map",
            "value": 0.56,
            "slices": {f"cam-{n}": (0.5 if n < 12 else 0.7) for n in range(20)},
            "slice_label": "camera",
        },
        "SEV1",
        ["broken globally: 12 of 20 cameras (60 %)"],
    ),
    (
        "latency only, 260 ms against 120 ms, no errors: a serving incident, SEV2 at over 2×",
        {"metric": "latency_p95_ms", "value": 260},
        "SEV2",
        [
            "2.2× its SLO",
            "*Type:* serving / platform",
            "check the dependencies",
            "check dependencies such as the feature store",
        ],
    ),
    (
        "latency a little over, no errors: SEV3",
        {"metric": "latency_p95_ms", "value": 150},
        "SEV3",
        ["1.2× its SLO", "SEV3 (under 2.0×, no errors)"],
    ),
    (
        "latency a little over with errors rising: SEV2",
        {"metric": "latency_p95_ms", "value": 150, "failure_rate": 0.03},
        "SEV2",
        ["with errors rising"],
    ),
    (
        "missing features: a data incident",
        {"metric": "feature_null_rate", "value": 0.2, "baseline": 0.001},
        "SEV1",
        ["*Type:* data / feature", "look for upstream changes", "fix or gate the upstream data"],
    ),
    (
        "a safety metric over its line: SEV1, safety",
        {"metric": "toxicity_rate", "value": 0.01},
        "SEV1",
        ["*Type:* safety", "tighten the filters or switch to a safer model now"],
    ),
    (
        "an ETL run that ingested too little: training / ETL, by the SLO's configured kind",
        {"metric": "rows_ingested", "value": 10},
        "SEV1",
        ["*Type:* training / ETL", "hold the new model"],
    ),
    (
        "the runbook's accuracy 90 % -> 78 %, no slices: a drop over 10 %, SEV2 (not known to be global)",
        {"metric": "map", "value": 0.5, "baseline": 0.57},
        "SEV2",
        ["below its SLO for the model as a whole, 12 % worse than baseline", "*Not known:* per-slice values"],
    ),
    (
        "a bad retrain: mAP 0.64 -> 0.49 for the whole model, minutes after a deploy: SEV1, roll back first",
        {"metric": "map", "value": 0.49, "baseline": 0.64, "deployed_at": "2026-11-25T00:00:00Z"},
        "SEV1",
        ["broken for the model as a whole", "23 % worse than baseline"],
    ),
    (
        "exercise 1: mAP 0.62 -> 0.45 across 60 % of cameras after a deploy: SEV1",
        {
            "metric": "map",
            "value": 0.45,
            "baseline": 0.62,
            "slices_total": 10,
            "slice_label": "camera",
            "slices": {f"cam-{n}": (0.45 if n < 6 else 0.62) for n in range(10)},
        },
        "SEV1",
        ["broken globally: 6 of 10 cameras (60 %)"],
    ),
    (
        "the feature-store outage: p95 latency doubled, 5xx up: serving, SEV2, dependencies first",
        {"metric": "latency_p95_ms", "value": 240, "failure_rate": 0.08},
        "SEV2",
        ["2.0× its SLO, with errors rising", "check dependencies such as the feature store"],
    ),
    (
        "a quality breach with no slices, no baseline, no deploy time: what is not known is said",
        {"metric": "map", "value": 0.5},
        "SEV1",
        ["*Not known:* per-slice values", "a baseline: how far the metric fell", "when the live version was deployed"],
    ),
]


@pytest.mark.parametrize(("name", "alert", "severity", "said"), CASES, ids=[c[0][:40] for c in CASES])
async def test_triage_case(bot: Bot, name: str, alert: dict[str, Any], severity: str, said: list[str]) -> None:
    code, answer = await post_alert(bot, "generic", {"model": "cv-detector", "summary": name[:60], **alert})
    assert code == 202, answer
    await bot.settled()
    (card,) = seen(bot, bot.channel("ml-alerts").id)
    assert f"*{severity} · " in card, card
    for words in said:
        assert words in card, (words, card)


async def test_an_unknown_model_is_said_so_not_silently_sev4(bot: Bot) -> None:
    code, _ = await post_alert(bot, "generic", {"model": "fraud-scorer", "metric": "auc", "value": 0.6})
    assert code == 202
    await bot.settled()
    (card,) = seen(bot, bot.channel("ml-alerts").id)
    assert "`fraud-scorer` is not in sevbot.yml: severity from the alert alone" in card
    assert "no user impact" not in card


async def test_a_storm_of_200_models_in_one_notification_leaves_few_messages(bot: Bot) -> None:
    from bot.tryout.emulator.webhooks import am_alert, am_payload

    alerts = []
    for n in range(200):
        alert = am_alert("", 0.3, model=f"model-{n:03d}")
        alert["labels"] = {"alertname": "PredictionErrors", "model": f"model-{n:03d}", "dependency": "feature-store"}
        alert["fingerprint"] = f"storm-{n}"
        alerts.append(alert)
    code, answer = await post_alert(bot, "alertmanager", am_payload(*alerts))
    assert code == 202 and answer["alerts"]["new"] == 200 and len(answer["alert_groups"]) == 200, answer
    assert answer["declared"] == []
    await bot.settled(within=60)
    channel = bot.channel("ml-alerts")
    assert len(channel.messages) <= 20, len(channel.messages)
    shown = "\n".join(seen(bot, channel.id))
    assert "*Alert storm: 190 models alerting since" in shown, shown[:2000]
    assert "a shared cause? Common to many of them: `dependency=feature-store` (190)" in shown
    listed = "\n".join(m.text for m in channel.messages)
    assert all(f"`model-{n:03d}`" in listed for n in range(10, 200))  # every storm group is in the thread
    assert bot.incident_channels() == []
