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
from bot.triage.kinds import plural
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
    kind: str = "quality"  # the playbook's incident type (bot.triage.kinds)
    slices_named: tuple[str, ...] = ()  # the slices in breach, in natural order (the first few are shown)
    slices_within: tuple[str, ...] = ()  # slices whose alerts fired while their own value was inside the SLO
    known_model: bool = True  # the model is in sevbot.yml


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
    kind: str = "quality"
    unknowns: list[str] = field(default_factory=list)  # facts that would change the verdict, not sent

    @property
    def rollback_first(self) -> bool:
        return any(a.code == "rollback_first" for a in self.actions)

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "findings": [{"code": f.code, **f.values} for f in self.findings],
            "actions": [{"code": a.code, **a.values} for a in self.actions],
            "kind": self.kind,
            "unknowns": self.unknowns,
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


def _slice_scope(facts: Facts, thresholds: TriageThresholds, found: list[Finding]) -> int:
    """Slices in breach decide global (SEV1) or localized (SEV2) on their own, whatever the mean says."""
    label = plural(facts.slice_label, facts.slices_total)
    if facts.slices_total:
        share = facts.slices_in_breach / facts.slices_total
        scope = {
            "share": share,
            "breached": facts.slices_in_breach,
            "total": facts.slices_total,
            "label": label,
            "names": list(facts.slices_named[:10]),
        }
        if share >= thresholds.global_slice_share:
            found.append(Finding("global", scope))
            return 1
        found.append(Finding("localized", scope))
        return 2
    found.append(Finding("localized_unknown_total", {"breached": facts.slices_in_breach, "label": label}))
    return 2


def _serving_grade(facts: Facts, thresholds: TriageThresholds, bound: float | None) -> tuple[int, Finding]:
    """Latency and other serving SLOs by how far over (and rising errors): SEV2 at ≥ 2× the SLO, else SEV3."""
    value = facts.value or 0.0
    if bound:
        ratio = value / bound if facts.slo and facts.slo.max is not None else (bound / value if value else 99.0)
    else:
        ratio = 1.0
    errors = facts.failure_rate is not None and facts.failure_rate > 0
    sev = 2 if ratio >= thresholds.serving_sev2_ratio or errors else 3
    return sev, Finding("serving_breach", {"ratio": ratio, "line": thresholds.serving_sev2_ratio, "errors": errors})


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
        if facts.kind == "serving" and not facts.slices_in_breach:
            graded, finding = _serving_grade(facts, thresholds, bound)
            found.append(finding)
            sev = min(sev, graded)
        elif facts.slices_in_breach:
            sev = min(sev, _slice_scope(facts, thresholds, found))
        else:
            drop = _relative_drop(facts)
            if drop is not None and 0 < drop <= 2 * thresholds.relative_drop_sev2 and facts.kind != "safety":
                # below the SLO with no slices reported, by a drop the table calls partial (SEV2): not known global
                found.append(Finding("whole_model_partial", {"drop": drop}))
                sev = min(sev, 2)
            else:
                found.append(Finding("whole_model", {}))
                sev = 1
        if facts.kind == "safety":
            sev = 1
    elif breach is False and facts.slices_in_breach and facts.slo is not None:
        found.append(Finding("mean_inside_slices_not", {"metric": facts.metric, "value": facts.value}))
        sev = min(sev, _slice_scope(facts, thresholds, found))
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
    if facts.slices_within:
        within = {"count": len(facts.slices_within), "names": list(facts.slices_within[:10])}
        found.append(
            Finding("fired_within_slo", {**within, "label": plural(facts.slice_label, len(facts.slices_within))})
        )
    if facts.breach_started is not None:
        lasted = max(0, int((facts.now - facts.breach_started).total_seconds()))
        found.append(Finding("lasted", {"seconds": lasted, "since": facts.breach_started.isoformat()}))
    if not facts.known_model:
        found.append(Finding("unknown_model", {"model": facts.model}))
    elif not found:
        found.append(Finding("no_impact", {}))
    severity = f"SEV{sev}"
    return Triage(
        severity=severity,
        findings=found,
        actions=_actions(facts, severity, thresholds, fallback),
        kind=facts.kind,
        unknowns=_unknowns(facts, breach),
    )


def _unknowns(facts: Facts, breach: bool | None) -> list[str]:
    """What was not sent that would change the verdict, so a person knows what to check (codes:
    `triage_findings.md.j2` says them)."""
    missing = []
    if facts.model is None:
        missing.append("no_model_label")
    elif not facts.known_model:
        missing.append("unknown_model")
    if facts.slo is None:
        missing.append("no_slo")
    if facts.slices_in_breach and not facts.slices_total:
        missing.append("no_slices_total")
    if breach and not facts.slices_in_breach and facts.kind == "quality":
        missing.append("no_slice_values")
    if breach and facts.baseline is None and facts.kind in ("quality", "data"):
        missing.append("no_baseline")
    if facts.deployed_at is None:
        missing.append("no_deploy_time")
    return missing


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
    per_kind = {  # types whose first moves are not the quality playbook's
        "serving": ["scale_restart", "page"] if severity in ("SEV1", "SEV2") else ["scale_restart"],
        "data": ["fix_upstream", "fallback" if fallback else "segment"] if severity != "SEV4" else ["ticket"],
        "training": ["hold_candidate"],
        "safety": ["safer_model", "page"],
    }
    codes = per_kind.get(facts.kind, per_severity[severity])
    actions += [Finding(code, {"model": facts.model, "fallback": fallback}) for code in codes]
    return actions
