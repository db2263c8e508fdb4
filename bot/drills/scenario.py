"""A drill scenario, as data: the model and its slices, what happens on the drill's clock (a deploy, metrics going
bad per version and slice, the alerts the monitoring would send, hints that appear when people ask), what each
containment recovers, and the runbook's expected answers (severity, first containment, success criterion, targets).

Scenarios are YAML files: sevbot's own (`bot/drills/scenarios/`, one per worked example of the runbooks) and the
team's (`drills_dir` in sevbot.yml). `scenario.schema.json` is made from these models (`python -m
bot.drills.schema`), so the documentation and the validation cannot disagree."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from bot.alerts.sources import GenericAlert
from bot.config import SEVERITIES, IncidentKind, parse_duration

__all__ = ["Breach", "Expected", "Scenario", "ScenarioEvent", "Slices"]


def _offset(value: object) -> timedelta:
    """`15m` after the drill starts, or `-15m` before it (a deploy that came before the alert)."""
    text = str(value).strip()
    if text.startswith("-"):
        return -parse_duration(text[1:])
    return timedelta(0) if text in ("0", "0m", "0s") else parse_duration(text)


Offset = Annotated[timedelta, BeforeValidator(_offset)]
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Slices(_Strict):
    label: str = Field(default="slices", max_length=40, description="what a slice is: cameras, regions, cohorts")
    count: int = Field(default=1, ge=1, le=1000)


class Version(_Strict):
    version: str = Field(min_length=1, max_length=100)
    deployed: Offset | None = Field(default=None, description="when it went live, from the drill's start (-15m)")
    dataset: str | None = Field(default=None, max_length=100)
    commit: str | None = Field(default=None, max_length=100)


class SLO(_Strict):
    min: float | None = None
    max: float | None = None
    window: Duration = timedelta(minutes=60)
    name: str | None = Field(default=None, max_length=40)
    kind: IncidentKind | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> SLO:
        if (self.min is None) == (self.max is None):
            raise ValueError("an SLO has exactly one of min or max")
        return self


class DrillModel(_Strict):
    name: str = Field(min_length=1, max_length=60, description="the model as the drill calls it")
    slices: Slices = Slices()
    versions: list[Version] = Field(min_length=1, description="oldest first; the last is live when the drill starts")
    fallback: str | None = Field(default=None, max_length=60)
    slos: dict[str, SLO] = Field(min_length=1)
    healthy: dict[str, float] = Field(min_length=1, description="each metric's value when nothing is wrong")
    noise: float = Field(
        default=0.0, ge=0, le=0.5, description="the metrics' measurement noise: a share of each reading (0.01 is 1 %)"
    )

    @model_validator(mode="after")
    def _healthy_for_each_slo(self) -> DrillModel:
        for metric in self.slos:
            if metric not in self.healthy:
                raise ValueError(f"healthy.{metric}: the SLO's metric needs its healthy value")
        return self


def _slice_range(value: object) -> object:
    """`all`, a number of slices, or a range of slice numbers: `23-40`."""
    return str(value) if isinstance(value, int) else value


SliceSpec = Annotated[str, BeforeValidator(_slice_range)]


class Breach(_Strict):
    """From this moment, `metric` of `version` on these slices reads `value` (until a containment recovers it)."""

    metric: str = Field(min_length=1)
    value: float
    version: str | None = Field(default=None, description="the version it is about; the live one by default")
    slices: SliceSpec = Field(default="all", description="all, or slice numbers like 23-40")

    def slice_numbers(self, count: int) -> list[int]:
        if self.slices == "all":
            return list(range(1, count + 1))
        first, _, last = self.slices.partition("-")
        return list(range(int(first), int(last or first) + 1))

    @model_validator(mode="after")
    def _readable_slices(self) -> Breach:
        if self.slices != "all" and not re.fullmatch(r"\d+(-\d+)?", self.slices):
            raise ValueError(f"slices {self.slices!r}: write all, or a range of slice numbers like 23-40")
        return self


class ScenarioEvent(_Strict):
    """One thing that happens at `at` on the drill's clock: exactly one of deploy, breach, alert or hint."""

    at: Offset
    deploy: str | None = Field(default=None, description="this version goes live")
    breach: Breach | None = None
    alert: dict[str, Any] | None = Field(
        default=None, description="sent to /alerts/generic as monitoring would (a generic alert without `model`)"
    )
    hint: str | None = Field(default=None, max_length=500, description="said when someone asks for a hint")

    @model_validator(mode="after")
    def _one_thing(self) -> ScenarioEvent:
        given = [k for k in ("deploy", "breach", "alert", "hint") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"an event is exactly one of deploy, breach, alert or hint (got {', '.join(given) or 'none'})"
            )
        return self


class Recovery(_Strict):
    """What a containment does: each named metric reads its value again on every slice."""

    metrics: dict[str, float] = Field(min_length=1)


class Success(_Strict):
    metric: str = Field(min_length=1)
    min: float | None = None
    max: float | None = None
    held: Duration = Field(default=timedelta(minutes=60), description="how long it must hold (the SLO window)")


class Expected(_Strict):
    """The runbook's answers, and its targets, for the scorecard."""

    severity: Annotated[str, BeforeValidator(lambda v: str(v).upper())]
    first_containment: Literal["rollback", "fallback", "canary", "review"]
    success: Success
    acknowledge_within: Duration = timedelta(minutes=5)
    contain_within: Duration = timedelta(minutes=60)
    drill_within: Duration = timedelta(minutes=45)  # a tabletop end to end
    kind: IncidentKind | None = None

    @model_validator(mode="after")
    def _known_severity(self) -> Expected:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r}: one of {', '.join(SEVERITIES)}")
        return self


class Scenario(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$", description="how `/incident drill` names it")
    title: str = Field(min_length=1, max_length=120)
    brief: str = Field(min_length=1, max_length=2000, description="what the team is told when the drill opens")
    source: str = Field(default="", max_length=200, description="where the story comes from")
    model: DrillModel
    events: list[ScenarioEvent] = Field(min_length=1)
    recovers: dict[Literal["rollback", "fallback", "canary", "review"], Recovery] = Field(min_length=1)
    expected: Expected

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        versions = {v.version for v in self.model.versions}
        metrics = set(self.model.healthy)
        for n, event in enumerate(self.events):
            if event.deploy is not None and event.deploy not in versions:
                raise ValueError(f"events.{n}.deploy: {event.deploy!r} is not one of model.versions")
            if event.breach is not None:
                if event.breach.metric not in metrics:
                    raise ValueError(f"events.{n}.breach.metric: {event.breach.metric!r} has no healthy value")
                if event.breach.version is not None and event.breach.version not in versions:
                    raise ValueError(
                        f"events.{n}.breach.version: {event.breach.version!r} is not one of model.versions"
                    )
                if max(event.breach.slice_numbers(self.model.slices.count)) > self.model.slices.count:
                    raise ValueError(f"events.{n}.breach.slices: there are {self.model.slices.count} slices")
            if event.alert is not None:
                try:
                    GenericAlert.model_validate({"model": self.model.name, **event.alert})
                except ValidationError as exc:
                    err = exc.errors()[0]
                    where = ".".join(str(p) for p in err["loc"])
                    raise ValueError(f"events.{n}.alert.{where}: {err['msg']}") from None
        if not any(e.alert is not None for e in self.events):
            raise ValueError("events: a drill needs at least one alert")
        if self.expected.first_containment not in self.recovers:
            raise ValueError(
                f"recovers: the expected first containment ({self.expected.first_containment}) recovers nothing"
            )
        if self.expected.success.metric not in metrics:
            raise ValueError(f"expected.success.metric: {self.expected.success.metric!r} has no healthy value")
        if self.expected.first_containment == "fallback" and not self.model.fallback:
            raise ValueError("model.fallback: the expected first containment is a fallback, so name it")
        return self

    def hints(self) -> list[str]:
        return [e.hint for e in sorted(self.events, key=lambda e: e.at) if e.hint]
