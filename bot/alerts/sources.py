"""The three webhooks' payloads, validated, and normalised into `NormalizedAlert`.

- Alertmanager webhook, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
- Grafana alerting webhook (unified alerting's notification payload).
- sevbot's generic alert (`GenericAlert`; JSON Schema in bot/alerts/generic_alert.schema.json), for Evidently,
  Datadog or a custom monitor: one alert or `{"alerts": [...]}`.

Labels and annotations sevbot reads from Alertmanager and Grafana alerts: `model` (label), `metric` (label, else
the alert name), a slice label (`camera`, `region`, `slice`, `segment`, `site`, `cohort`), `safety_critical`;
annotations `value`, `threshold`, `baseline`, `slices_total`, `failure_rate`, `psi`, `deployed_at`, `summary`,
`runbook_url`. Missing ones are simply unknown; a non-numeric `value` is unknown, not an error.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from bot.clock import utc
from bot.triage.stats import psi

__all__ = ["AlertmanagerPayload", "GenericAlert", "GenericPayload", "GrafanaPayload", "NormalizedAlert"]

SLICE_LABELS = ("camera", "region", "slice", "segment", "site", "cohort", "store")
ZERO_TIME = datetime(1, 1, 1)
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def _sane(value: datetime) -> datetime:
    """A time that can be true of an alert, in UTC; Go's zero time (Alertmanager's "no end yet") passes as is."""
    if value.replace(tzinfo=None) == ZERO_TIME and value.utcoffset() in (None, UTC.utcoffset(None)):
        return value
    try:
        moment = utc(value)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST <= moment < LATEST:
        raise ValueError(f"{value.isoformat()} is not a possible time (expected 1970 to 2199)")
    return moment


AlertTime = Annotated[datetime, AfterValidator(_sane)]


def _or(empty: Any) -> BeforeValidator:
    """`null` where Alertmanager and Grafana send it (their tests build `"annotations": null`) is the empty value."""
    return BeforeValidator(lambda value: empty() if value is None else value)


Notes = Annotated[dict[str, str], _or(dict)]
Text = Annotated[str, _or(str)]


class NormalizedAlert(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    fingerprint: str
    status: Literal["firing", "resolved"]
    model: str | None
    name: str
    metric: str | None = None
    value: float | None = None
    threshold: float | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    slice_label: str | None = None
    slice_value: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    generator_url: str | None = None
    runbook_url: str | None = None
    summary: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)  # baseline, slices_total, failure_rate, psi, deployed_at…


def _number(value: object) -> float | None:
    try:
        number = float(str(value).strip().rstrip("%")) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is None or (number == number and abs(number) != float("inf")) else None


def _time(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return None if moment.replace(tzinfo=None) <= ZERO_TIME else _sane(moment)


def _slice(labels: dict[str, str]) -> tuple[str | None, str | None]:
    for name in SLICE_LABELS:
        if labels.get(name):
            return name, labels[name]
    return None, None


class _PrometheusStyleAlert(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: Notes = Field(default_factory=dict)
    startsAt: AlertTime
    endsAt: AlertTime | None = None
    generatorURL: Text = ""
    fingerprint: Text = ""

    @field_validator("annotations")
    @classmethod
    def _deployed_at(cls, notes: dict[str, str]) -> dict[str, str]:
        """An unreadable `deployed_at` is unknown; one that reads as an impossible time is an error."""
        try:
            _time(notes.get("deployed_at"))
        except ValueError as exc:
            raise ValueError(f"deployed_at {exc}") from None
        return notes

    def normalize(self, source: str, value: float | None = None) -> NormalizedAlert:
        labels, notes = self.labels, self.annotations
        fingerprint = self.fingerprint or hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
        slice_label, slice_value = _slice(labels)
        details: dict[str, Any] = {}
        for key in ("baseline", "slices_total", "failure_rate", "psi"):
            number = _number(notes.get(key))
            if number is not None:
                details[key] = number
        if _time(notes.get("deployed_at")):
            details["deployed_at"] = notes["deployed_at"]
        if labels.get("safety_critical", "").lower() == "true":
            details["safety_critical"] = True
        return NormalizedAlert(
            source=source,
            fingerprint=fingerprint[:128],
            status=self.status,
            model=labels.get("model"),
            name=labels.get("alertname", "alert"),
            metric=labels.get("metric") or labels.get("alertname"),
            value=_number(notes.get("value")) if value is None else value,
            threshold=_number(notes.get("threshold")),
            labels=labels,
            slice_label=slice_label,
            slice_value=slice_value,
            starts_at=_time(self.startsAt),
            ends_at=_time(self.endsAt),
            generator_url=self.generatorURL or None,
            runbook_url=notes.get("runbook_url") or None,
            summary=notes.get("summary") or notes.get("description"),
            details=details,
        )


class AlertmanagerPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: Literal["4"]
    status: Literal["firing", "resolved"]
    receiver: Text = ""
    groupKey: Text = ""
    alerts: list[_PrometheusStyleAlert] = Field(min_length=1)

    def normalize(self) -> list[NormalizedAlert]:
        return [alert.normalize("alertmanager") for alert in self.alerts]


class _GrafanaAlert(_PrometheusStyleAlert):
    values: dict[str, float | None] | None = None

    def normalize(self, source: str, value: float | None = None) -> NormalizedAlert:
        first = next((v for v in (self.values or {}).values() if v is not None), None)
        return super().normalize(source, value=first)


class GrafanaPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Literal["firing", "resolved"]
    receiver: Text = ""
    alerts: list[_GrafanaAlert] = Field(min_length=1)

    def normalize(self) -> list[NormalizedAlert]:
        return [alert.normalize("grafana") for alert in self.alerts]


class Histograms(BaseModel):
    """Counts per bin, one row per slice (or one row): the baseline and the current window."""

    model_config = ConfigDict(extra="forbid")

    baseline: list[list[float]] | list[float]
    current: list[list[float]] | list[float]

    @model_validator(mode="after")
    def _comparable(self) -> Histograms:
        """Counts (finite, not negative) in rows of one length, comparable bin by bin: else no PSI can be had."""
        for name in ("baseline", "current"):
            rows = getattr(self, name)
            if not rows or (isinstance(rows[0], list) and not all(rows)):
                raise ValueError(f"{name}: a histogram needs at least one bin")
        try:
            psi(self.baseline, self.current)
        except ValueError as exc:
            raise ValueError(str(exc).split(". ")[0]) from None
        return self


class Series(BaseModel):
    """The metric's recent points (the window) and a baseline window, for the sustained-breach check."""

    model_config = ConfigDict(extra="forbid")

    window: list[float | None] = Field(min_length=1)
    baseline: list[float | None] | None = None

    @field_validator("window", "baseline")
    @classmethod
    def _finite(cls, points: list[float | None] | None) -> list[float | None] | None:
        if points is not None and any(p is not None and not math.isfinite(p) for p in points):
            raise ValueError("points must be finite numbers (or null for a gap)")
        return points


class GenericAlert(BaseModel):
    """One alert in sevbot's own schema."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=200, description="the model's name in sevbot.yml")
    name: str = Field(default="", max_length=200, description="the alert's name; defaults to the metric")
    status: Literal["firing", "resolved"] = "firing"
    metric: str | None = Field(default=None, max_length=200, description="e.g. map, latency_p95_ms, error_rate")
    value: float | None = Field(default=None, description="the metric's current value")
    threshold: float | None = Field(default=None, description="the alert rule's threshold (the SLO is sevbot.yml's)")
    baseline: float | None = Field(default=None, description="the metric's usual value, for the relative drop")
    fingerprint: str | None = Field(default=None, max_length=128, description="stable ID; derived when absent")
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="identify the alert; a camera/region/slice/segment/site/cohort/store label"
        " names the slice it is about",
    )
    slices: dict[str, float] | None = Field(default=None, description="per-slice values, e.g. per-camera mAP")
    slice_label: str = Field(default="slices", max_length=40, description="what a slice is: cameras, regions…")
    slices_total: int | None = Field(default=None, ge=1, description="how many slices exist (monitored or not)")
    failure_rate: float | None = Field(default=None, ge=0, le=1, description="share of failed requests, 0 to 1")
    histograms: Histograms | None = Field(default=None, description="score/feature histograms for drift (PSI)")
    series: Series | None = Field(default=None, description="recent points, for the sustained-not-noise check")
    deployed_at: AlertTime | None = Field(default=None, description="when this model version went live")
    starts_at: AlertTime | None = Field(default=None, description="when the breach began (ISO 8601)")
    ends_at: AlertTime | None = Field(default=None, description="when it ended, for a resolved alert")
    safety_critical: bool = Field(default=False, description="wrong answers may hurt someone: at least SEV2")
    summary: str | None = Field(default=None, max_length=2000, description="one line for people; escaped in Slack")
    runbook_url: str | None = Field(default=None, max_length=2000)
    generator_url: str | None = Field(default=None, max_length=2000, description="link to the graph or monitor")

    @field_validator("value", "threshold", "baseline")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and (value != value or abs(value) == float("inf")):
            raise ValueError("must be a finite number")
        return value

    @field_validator("slices")
    @classmethod
    def _finite_slices(cls, slices: dict[str, float] | None) -> dict[str, float] | None:
        if slices is not None and any(not math.isfinite(v) for v in slices.values()):
            raise ValueError("per-slice values must be finite numbers")
        return slices

    def normalize(self) -> NormalizedAlert:
        metric = self.metric or self.name or "metric"
        identity = {"model": self.model, "name": self.name or metric, **self.labels}
        fingerprint = self.fingerprint or hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
        slice_label, slice_value = _slice(self.labels)
        details: dict[str, Any] = {"slice_label": self.slice_label}
        for key in ("baseline", "slices_total", "failure_rate", "slices"):
            if getattr(self, key) is not None:
                details[key] = getattr(self, key)
        if self.histograms is not None:
            details["histograms"] = self.histograms.model_dump()
        if self.series is not None:
            details["series"] = self.series.model_dump()
        if self.deployed_at is not None:
            details["deployed_at"] = utc(self.deployed_at).isoformat()
        if self.safety_critical:
            details["safety_critical"] = True
        return NormalizedAlert(
            source="generic",
            fingerprint=fingerprint,
            status=self.status,
            model=self.model,
            name=self.name or metric,
            metric=metric,
            value=self.value,
            threshold=self.threshold,
            labels=self.labels,
            slice_label=slice_label,
            slice_value=slice_value,
            starts_at=utc(self.starts_at) if self.starts_at else None,
            ends_at=utc(self.ends_at) if self.ends_at else None,
            generator_url=self.generator_url,
            runbook_url=self.runbook_url,
            summary=self.summary,
            details=details,
        )


class GenericPayload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alerts: list[GenericAlert] = Field(min_length=1, max_length=1000)

    def normalize(self) -> list[NormalizedAlert]:
        return [alert.normalize() for alert in self.alerts]
