"""The severity table: each line of it, with the findings that decided it and the first actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import SLO, TriageThresholds
from bot.texts import Texts
from bot.triage.policy import Facts, triage
from bot.triage.stats import sustained_breach

NOW = datetime(2026, 11, 22, 3, 12, tzinfo=UTC)
MAP = SLO(min=0.55)
T = TriageThresholds()


def _codes(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.code for f in result.findings]


def test_global_slo_breach_is_sev1() -> None:
    result = triage(
        Facts(
            model="cv",
            metric="map",
            value=0.41,
            slo=MAP,
            slices_in_breach=6,
            slices_total=10,
            slice_label="cameras",
            now=NOW,
        ),
        thresholds=T,
    )
    assert result.severity == "SEV1"
    assert _codes(result) == ["slo_breach", "global"]
    assert [a.code for a in result.actions] == ["rollback_now", "page"]


def test_localized_breach_is_sev2_with_fallback() -> None:
    result = triage(
        Facts(model="cv", metric="map", value=0.41, slo=MAP, slices_in_breach=2, slices_total=10, now=NOW),
        thresholds=T,
        fallback="cv-lite",
    )
    assert result.severity == "SEV2" and "localized" in _codes(result)
    assert result.actions[0].code == "fallback" and result.actions[0].values["fallback"] == "cv-lite"


def test_named_slices_without_a_total_are_localized_not_global() -> None:
    facts = Facts(model="m", metric="map", value=0.41, slo=MAP, slices_in_breach=1, slice_label="regions", now=NOW)
    result = triage(facts, thresholds=T)
    assert result.severity == "SEV2" and _codes(result) == ["slo_breach", "localized_unknown_total"]
    no_slices = triage(Facts(model="m", metric="map", value=0.41, slo=MAP, now=NOW), thresholds=T)
    assert no_slices.severity == "SEV1" and _codes(no_slices) == ["slo_breach", "whole_model"]


def test_failure_rates() -> None:
    assert triage(Facts(model="m", failure_rate=0.6, now=NOW), thresholds=T).severity == "SEV1"
    assert triage(Facts(model="m", failure_rate=0.3, now=NOW), thresholds=T).severity == "SEV2"
    assert triage(Facts(model="m", failure_rate=0.1, now=NOW), thresholds=T).severity == "SEV3"


def test_drops_drift_and_nothing() -> None:
    drop = triage(Facts(model="m", metric="map", value=0.56, slo=MAP, baseline=0.64, now=NOW), thresholds=T)
    assert drop.severity == "SEV2" and "relative_drop" in _codes(drop) and "inside_slo" in _codes(drop)
    minor = triage(Facts(model="m", metric="map", value=0.62, slo=MAP, baseline=0.64, now=NOW), thresholds=T)
    assert minor.severity == "SEV3" and "minor_drop" in _codes(minor)
    drift = triage(Facts(model="m", psi=0.31, now=NOW), thresholds=T)
    assert drift.severity == "SEV3" and _codes(drift) == ["drift"]
    calm = triage(Facts(model="m", psi=0.05, now=NOW), thresholds=T)
    assert calm.severity == "SEV4" and _codes(calm) == ["no_impact"] and calm.actions[0].code == "ticket"


def test_thresholds_are_configurable() -> None:
    strict = TriageThresholds(global_slice_share=0.2)
    facts = Facts(model="cv", metric="map", value=0.41, slo=MAP, slices_in_breach=3, slices_total=10, now=NOW)
    assert triage(facts, thresholds=T).severity == "SEV2"
    assert triage(facts, thresholds=strict).severity == "SEV1"


def test_recent_deploy_means_roll_back_first() -> None:
    facts = Facts(
        model="cv",
        metric="map",
        value=0.49,
        slo=MAP,
        now=NOW,
        breach_started=NOW - timedelta(minutes=5),
        deployed_at=NOW - timedelta(minutes=20),
    )
    result = triage(facts, thresholds=T)
    assert result.rollback_first and result.actions[0].values == {"model": "cv", "minutes": 15}
    old = Facts(model="cv", metric="map", value=0.49, slo=MAP, now=NOW, deployed_at=NOW - timedelta(days=3))
    assert not triage(old, thresholds=T).rollback_first


def test_a_blip_is_capped_at_sev3() -> None:
    blip = sustained_breach([0.5, 0.6, 0.61, 0.62, 0.6, 0.63], slo_min=0.55, baseline=[0.62] * 3 + [0.63] * 3)
    result = triage(Facts(model="cv", metric="map", value=0.5, slo=MAP, now=NOW, window=blip), thresholds=T)
    assert result.severity == "SEV3" and _codes(result)[-1] == "capped_blip"


def test_findings_read_as_sentences() -> None:
    result = triage(
        Facts(
            model="cv-detector",
            metric="map",
            value=0.41,
            slo=MAP,
            slices_in_breach=6,
            slices_total=10,
            slice_label="cameras",
            now=NOW,
            breach_started=NOW - timedelta(minutes=7),
            deployed_at=NOW - timedelta(minutes=30),
        ),
        thresholds=T,
    )
    text = Texts().render("triage_findings.md.j2", **result.as_dict())
    assert "• map 0.41 is below its SLO (0.55)" in text
    assert "• broken globally: 6 of 10 cameras (60 %)" in text
    assert "• breached for 7 min" in text
    assert "*First:* roll back `cv-detector` first — deployed 23 min before the breach; roll back or switch" in text
