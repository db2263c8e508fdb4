"""Severity from facts, with the facts that decided it and the first actions to take.

The table (thresholds in `triage:` of sevbot.yml):
  SEV1  failure rate ≥ 50 %; a quality SLO broken globally (≥ 50 % of slices, or the model as a whole);
        a safety-critical miss.
  SEV2  failure rate 25–50 %; a drop of more than 10 % from baseline; an SLO broken on a subset of slices.
  SEV3  drift (PSI above 0.2); a drop that stays inside the SLO; failures below 25 %.
  SEV4  no user impact.
A breach that a window of points shows to be a blip is capped at SEV3. A deploy of the model shortly before
makes rollback the first action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config import SLO, TriageThresholds
from bot.triage.stats import SustainedCheck

__all__ = ["Facts", "Finding", "Triage", "triage"]


@dataclass(frozen=True, kw_only=True)
class Facts:
    model: str | None
    metric: str | None = None
    value: float | None = None
    slo: SLO | None = None
    baseline: float | None = None
    slices_in_breach: int = 0
    slices_total: int | None = None
    slice_label: str = "slices"
    failure_rate: float | None = None
    breach_started: datetime | None = None
    now: datetime
    deployed_at: datetime | None = None
    psi: float | None = None
    safety_critical: bool = False
    window: SustainedCheck | None = None


@dataclass(frozen=True)
class Finding:
    """One fact that counted, by code, with its numbers (rendered by templates/triage_findings.md.j2)."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Triage:
    severity: str
    findings: list[Finding]
    actions: list[Finding]

    @property
    def rollback_first(self) -> bool:
        return any(a.code == "rollback_first" for a in self.actions)

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "findings": [{"code": f.code, **f.values} for f in self.findings],
            "actions": [{"code": a.code, **a.values} for a in self.actions],
        }


def _breach(facts: Facts) -> bool | None:
    if facts.slo is None or facts.value is None:
        return None
    if facts.slo.min is not None:
        return facts.value < facts.slo.min
    return facts.value > facts.slo.max  # type: ignore[operator]


def _relative_drop(facts: Facts) -> float | None:
    if facts.value is None or facts.baseline is None or facts.baseline == 0:
        return None
    worse = (
        facts.baseline - facts.value if facts.slo is None or facts.slo.min is not None else facts.value - facts.baseline
    )
    return worse / abs(facts.baseline)


def triage(facts: Facts, *, thresholds: TriageThresholds, fallback: str | None = None) -> Triage:
    found: list[Finding] = []
    sev = 4
    breach = _breach(facts)
    if breach:
        bound = facts.slo.min if facts.slo and facts.slo.min is not None else facts.slo.max if facts.slo else None
        found.append(
            Finding(
                "slo_breach",
                {
                    "metric": facts.metric,
                    "value": facts.value,
                    "bound": bound,
                    "direction": "min" if facts.slo and facts.slo.min is not None else "max",
                },
            )
        )
        if facts.slices_total:
            share = facts.slices_in_breach / facts.slices_total
            scope = {
                "share": share,
                "breached": facts.slices_in_breach,
                "total": facts.slices_total,
                "label": facts.slice_label,
            }
            if share >= thresholds.global_slice_share:
                found.append(Finding("global", scope))
                sev = 1
            else:
                found.append(Finding("localized", scope))
                sev = min(sev, 2)
        elif facts.slices_in_breach:  # named slices, but how many exist is unknown: a subset, as far as we know
            found.append(
                Finding("localized_unknown_total", {"breached": facts.slices_in_breach, "label": facts.slice_label})
            )
            sev = min(sev, 2)
        else:
            found.append(Finding("whole_model", {}))
            sev = 1
    elif breach is False and facts.value is not None and facts.slo is not None:
        found.append(Finding("inside_slo", {"metric": facts.metric, "value": facts.value}))
    if facts.safety_critical:
        found.append(Finding("safety_critical", {}))
        sev = 1
    rate = facts.failure_rate
    if rate is not None:
        if rate >= thresholds.failure_rate_sev1:
            found.append(Finding("failure_rate", {"rate": rate, "line": thresholds.failure_rate_sev1}))
            sev = 1
        elif rate >= thresholds.failure_rate_sev2:
            found.append(Finding("failure_rate", {"rate": rate, "line": thresholds.failure_rate_sev2}))
            sev = min(sev, 2)
        elif rate > 0:
            found.append(Finding("failure_rate_low", {"rate": rate}))
            sev = min(sev, 3)
    drop = _relative_drop(facts)
    if drop is not None and drop > 0:
        if drop > thresholds.relative_drop_sev2:
            found.append(
                Finding(
                    "relative_drop", {"drop": drop, "baseline": facts.baseline, "line": thresholds.relative_drop_sev2}
                )
            )
            sev = min(sev, 2)
        else:
            found.append(Finding("minor_drop", {"drop": drop, "baseline": facts.baseline}))
            sev = min(sev, 3)
    if facts.psi is not None and facts.psi > thresholds.psi_alarm:
        found.append(Finding("drift", {"psi": facts.psi, "line": thresholds.psi_alarm}))
        sev = min(sev, 3)
    if facts.window is not None:
        found.append(
            Finding(
                "window",
                {
                    "verdict": facts.window.verdict,
                    "points": facts.window.points,
                    "share": facts.window.share_outside,
                    "p": facts.window.p_value,
                },
            )
        )
        if facts.window.verdict == "blip" and sev < 3 and not facts.safety_critical:
            sev = 3
            found.append(Finding("capped_blip", {}))
    if facts.breach_started is not None:
        found.append(Finding("lasted", {"seconds": max(0, int((facts.now - facts.breach_started).total_seconds()))}))
    if not found:
        found.append(Finding("no_impact", {}))
    severity = f"SEV{sev}"
    return Triage(severity=severity, findings=found, actions=_actions(facts, severity, thresholds, fallback))


def _actions(facts: Facts, severity: str, thresholds: TriageThresholds, fallback: str | None) -> list[Finding]:
    actions: list[Finding] = []
    if facts.deployed_at is not None:
        reference = facts.breach_started or facts.now
        before = reference - facts.deployed_at
        if before <= thresholds.recent_deploy:
            actions.append(
                Finding("rollback_first", {"model": facts.model, "minutes": max(0, int(before.total_seconds() // 60))})
            )
    per_severity = {
        "SEV1": ["rollback_now", "page"],
        "SEV2": ["fallback" if fallback else "segment", "hotfix"],
        "SEV3": ["monitor"],
        "SEV4": ["ticket"],
    }
    actions += [Finding(code, {"model": facts.model, "fallback": fallback}) for code in per_severity[severity]]
    return actions
