"""From stored alerts to the facts triage decides on, without Slack or a server: the metric most alerts are about,
the worst value against the SLO, the slices in breach (named in natural order, counted against the total), the
deploy shortly before, and an alert with no SLO of sevbot.yml judged by its own threshold."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.alerts.facts import facts_for, natural_key
from bot.models import Alert, AlertStatus
from tests.domain import NOW, config

MODEL = config().models["cv-detector"]


def _alert(camera: int, value: float, status: str = AlertStatus.FIRING, **details: Any) -> Alert:
    return Alert(
        source="alertmanager",
        fingerprint=f"cam-{camera}",
        status=status,
        model="cv-detector",
        metric="map",
        value=value,
        details={"slice_label": "camera", "slice_value": f"cam-{camera}", "slices_total": 40, **details},
        starts_at=NOW - timedelta(minutes=20 - camera % 5),
        received_at=NOW,
        updated_at=NOW,
    )


def test_localized_breach_names_its_slices_in_order_against_the_total() -> None:
    alerts = [_alert(n, 0.40, deployed_at="2026-11-22T02:40:00Z") for n in range(23, 41)]
    alerts.append(_alert(5, 0.61, status=AlertStatus.RESOLVED))
    facts = facts_for(alerts, model=MODEL, now=NOW)
    assert (facts.metric, facts.value, facts.slo and facts.slo.min) == ("map", 0.40, 0.55)
    assert (facts.slices_in_breach, facts.slices_total, facts.slice_label) == (18, 40, "camera")
    assert facts.slices_named[:3] == ("cam-23", "cam-24", "cam-25") and facts.slices_named[-1] == "cam-40"
    assert facts.deployed_at is not None and facts.deployed_at.hour == 2 and facts.deployed_at.minute == 40
    assert facts.breach_started == min(a.starts_at for a in alerts if a.status == AlertStatus.FIRING)
    assert facts.kind == "quality" and facts.known_model


def test_an_unconfigured_metric_is_judged_by_the_alerts_own_threshold() -> None:
    latency = Alert(
        source="generic",
        fingerprint="p95",
        status=AlertStatus.FIRING,
        model="ranker",
        metric="latency_p95_ms",
        value=480.0,
        threshold=250.0,
        received_at=NOW,
        updated_at=NOW,
    )
    facts = facts_for([latency], model=config().models["ranker"], now=NOW)
    assert facts.slo is not None and facts.slo.max == 250.0 and facts.value == 480.0
    assert facts.kind == "serving"


def test_natural_order_puts_cam_9_before_cam_10() -> None:
    assert sorted(["cam-10", "cam-9", "cam-100", "cam-1"], key=natural_key) == ["cam-1", "cam-9", "cam-10", "cam-100"]
