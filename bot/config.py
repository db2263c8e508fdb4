"""The YAML configuration (`sevbot.yml`) as a validated model.

Durations are written `30s`, `15m`, `1h` (or combined, `1h30m`); users as `U…` IDs, user groups as
`S…` IDs, channels by name or ID. Every error names the field it is about.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

__all__ = [
    "PAGERS",
    "SERVING_KEYS",
    "SEVERITIES",
    "Config",
    "ConfigError",
    "EmailSettings",
    "Integrations",
    "JiraSettings",
    "ModelConfig",
    "OpsgenieSettings",
    "PagerDutySettings",
    "SeverityPolicy",
    "TriageThresholds",
    "did_you_mean",
    "load_config",
    "parse_config",
    "parse_duration",
]

SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")
SERVING_BACKENDS = ("mlflow", "triton", "sagemaker", "kserve", "http", "simulated")

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    text = str(value).strip().lower().replace(" ", "")
    match = _DURATION.match(text)
    if not text or match is None or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration: write it like 30s, 15m or 1h")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    delta = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if delta <= timedelta(0):
        raise ValueError(f"{value!r}: a duration must be longer than zero")
    return delta


def _user_id(value: str) -> str:
    if not re.fullmatch(r"[UW][A-Z0-9]{2,}", value):
        raise ValueError(f"{value!r} is not a Slack user ID (U…)")
    return value


def _user_or_group(value: str) -> str:
    if not re.fullmatch(r"[UWS][A-Z0-9]{2,}", value):
        raise ValueError(f"{value!r} is not a Slack user (U…) or user group (S…) ID")
    return value


def _severity(value: object) -> str:
    text = str(value).upper()
    if text not in SEVERITIES:
        raise ValueError(f"unknown severity {value!r}: use one of {', '.join(SEVERITIES)}")
    return text


def _channel_prefix(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,20}", value):
        raise ValueError(f"{value!r}: lowercase letters, digits, - and _ only, at most 21 characters")
    return value


def _http_url(value: str) -> str:
    if not re.match(r"^https?://\S+$", value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
UserId = Annotated[str, AfterValidator(_user_id)]
UserOrGroup = Annotated[str, AfterValidator(_user_or_group)]
Severity = Annotated[str, BeforeValidator(_severity)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Channels(_Strict):
    alerts: str | None = None
    announcements: str | None = None


Pager = Literal["pagerduty", "opsgenie"]
PAGERS: tuple[str, ...] = ("pagerduty", "opsgenie")


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+", value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def _channel_ref(value: str) -> str:
    name = value.removeprefix("#")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{2,}", name):
        raise ValueError(f"{value!r} is not a channel name (lowercase, - and _) or ID (C…)")
    return name


Email = Annotated[str, AfterValidator(_email)]
ChannelRef = Annotated[str, AfterValidator(_channel_ref)]


class SeverityPolicy(_Strict):
    """A severity's cadence and its notify table: who is told beyond the incident channel, and how."""

    update_every: Duration | None = None
    auto_declare: bool = False
    notify: list[UserOrGroup] = Field(default_factory=list)
    page: list[Pager] = Field(default_factory=list)  # through these pagers, at once
    channels: list[ChannelRef] = Field(default_factory=list)  # a short card, kept current, in each
    email: list[Email] = Field(default_factory=list)  # a mail, and its updates threaded under it
    ticket: Literal["jira"] | None = None  # a ticket per incident


DEFAULT_SEVERITIES: dict[str, SeverityPolicy] = {
    "SEV1": SeverityPolicy(update_every=timedelta(minutes=15), auto_declare=True),
    "SEV2": SeverityPolicy(update_every=timedelta(minutes=30), auto_declare=True),
    "SEV3": SeverityPolicy(update_every=timedelta(minutes=60), auto_declare=False),
    "SEV4": SeverityPolicy(update_every=None, auto_declare=False),
}


class EscalationStep(_Strict):
    after: Duration
    notify: list[UserOrGroup] = Field(min_length=1)


# Each serving backend's keys (beside `backend`): the required ones, then the optional ones. A key no backend of
# that kind reads is refused with a "did you mean", so a mistyped `alais:` cannot silently move `champion`.
SERVING_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "mlflow": (("url",), ("registered_model", "alias", "known_good_alias", "timeout_s")),
    "triton": (("url",), ("triton_model", "timeout_s")),
    "sagemaker": (("endpoint",), ("region", "endpoint_url", "fallback_variant", "timeout_s")),
    "kserve": (("url",), ("namespace", "inference_service", "token_env", "timeout_s")),
    "http": (("url",), ("capabilities", "traffic_owner", "token_env", "timeout_s", "marks")),
    "simulated": ((), ("versions", "live", "fail", "quality", "degraded", "canary", "timeout_s", "replicas")),
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean `alias`?)`, or nothing when no choice is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


class Degradation(_Strict):
    """The simulated service's story of a bad version: `slices` of its `of` slices fall to `value`, `after` it went
    live (night cameras switching to IR fifteen minutes after a deploy); the model-wide metric is the slices' mean."""

    slices: int = Field(ge=1)
    of: int = Field(ge=1)
    value: float = Field(ge=0)
    after: Duration = timedelta(0)

    @model_validator(mode="after")
    def _some_of_them(self) -> Degradation:
        if self.slices > self.of:
            raise ValueError(f"{self.slices} slices of {self.of}: there are only {self.of}")
        return self


class Serving(BaseModel):
    """Where the model is served; backend-specific keys are kept for the backend to read, and checked here."""

    model_config = ConfigDict(extra="allow", frozen=True)

    backend: Literal["mlflow", "triton", "sagemaker", "kserve", "http", "simulated"]
    url: HttpUrl | None = None
    timeout_s: float | None = Field(default=None, gt=0, le=300)

    @model_validator(mode="after")
    def _backend_keys(self) -> Serving:
        required, optional = SERVING_KEYS[self.backend]
        given = {"url"} if self.url is not None else set()
        given |= {"timeout_s"} if self.timeout_s is not None else set()
        given |= set(self.model_extra or {})
        known = set(required) | set(optional)
        for key in sorted(given - known):
            raise ValueError(
                f"`{key}` is not a setting of the {self.backend} backend{did_you_mean(key, known)}; "
                f"it reads {', '.join(sorted(known))}"
            )
        for key in required:
            if key not in given:
                raise ValueError(f"the {self.backend} backend needs `{key}`")
        for version, story in ((self.model_extra or {}).get("degraded") or {}).items():
            Degradation.model_validate(story, context={"version": version})
        return self

    def degradations(self) -> dict[str, Degradation]:
        """The simulated service's bad versions (see `Degradation`), by version."""
        given = (self.model_extra or {}).get("degraded") or {}
        return {str(version): Degradation.model_validate(story) for version, story in given.items()}


IncidentKind = Literal["quality", "data", "serving", "training", "safety"]


class SLO(_Strict):
    min: float | None = None
    max: float | None = None
    window: Duration = timedelta(minutes=60)
    kind: IncidentKind | None = None  # the playbook's incident type; from the metric's name when not given
    name: str | None = Field(default=None, min_length=1, max_length=40)  # as people write it: `mAP` for `map`

    @model_validator(mode="after")
    def _one_bound(self) -> SLO:
        if (self.min is None) == (self.max is None):
            raise ValueError("an SLO has exactly one of min or max")
        return self


class Metrics(_Strict):
    backend: Literal["prometheus", "simulated"]  # simulated: the demo's model service reports its own quality
    url: HttpUrl | None = None
    queries: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _prometheus_needs_url(self) -> Metrics:
        if self.backend == "prometheus" and self.url is None:
            raise ValueError("the prometheus metrics backend needs a url")
        return self


class GuardrailCheck(_Strict):
    """One guardrail on a canary: `max_drop` (canary below stable by more than this, absolute), `max_increase`
    (canary above stable by more than this: `10%` relative, or a number), or `max` (the canary alone)."""

    max_drop: float | None = Field(default=None, ge=0)
    max_increase: str | float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> GuardrailCheck:
        given = [k for k in ("max_drop", "max_increase", "max") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a guardrail check has exactly one of max_drop, max_increase or max")
        if isinstance(self.max_increase, str) and not re.fullmatch(r"\d+(\.\d+)?%", self.max_increase.strip()):
            raise ValueError(f"max_increase {self.max_increase!r}: write a number or a percentage such as 10%")
        return self

    def increase_allowed(self, stable: float) -> float:
        """How far above stable the canary may go."""
        given = self.max_increase
        if isinstance(given, str):
            return abs(stable) * float(given.strip().rstrip("%")) / 100
        return float(given or 0)


class Guardrails(_Strict):
    """Watched while a canary takes traffic: a breach held `for` opens an incident and freezes the model's deploys."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    checks: dict[str, GuardrailCheck] = Field(min_length=1)
    for_: Duration = Field(default=timedelta(minutes=10), alias="for")
    action: Literal["freeze", "rollback", "none"] = "freeze"
    countdown: Duration = timedelta(minutes=2)


class ActionInput(_Strict):
    """What a runbook action asks for (`/incident run <action> <input>`), checked against `pattern` (whole)."""

    label: str = Field(min_length=1, max_length=40)
    placeholder: str | None = Field(default=None, max_length=80)
    pattern: str = Field(default=r"[A-Za-z0-9._:/-]{1,100}", max_length=200)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"pattern {value!r} is not a regular expression: {exc}") from None
        return value


class RunbookAction(_Strict):
    """A runbook step beyond the model: one HTTP call, planned, confirmed and recorded like containment. The body is
    JSON with `$input`, `$model`, `$incident`, `$version` in its strings; the URL may have them in its path and query,
    never in its host."""

    title: str = Field(min_length=1, max_length=60)
    kinds: list[IncidentKind] = Field(default_factory=list, description="incident types it is offered for")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    url: HttpUrl
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    input: ActionInput | None = None
    token_env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    timeout_s: float = Field(default=20, gt=0, le=120)

    @model_validator(mode="after")
    def _host_is_fixed(self) -> RunbookAction:
        host = urlsplit(self.url).netloc
        if "$" in host:
            raise ValueError(f"url: the host ({host}) is fixed; placeholders go in its path or query")
        for name, value in self.headers.items():
            if "$" in name or "$" in value:
                raise ValueError(f"headers.{name}: headers are fixed (the token comes from token_env)")
            if name.lower() == "authorization" and self.token_env:
                raise ValueError(f"headers.{name}: token_env already sets it")
        if "$input" in json.dumps([self.url, self.body]) and self.input is None:
            raise ValueError("$input is used but the action declares no `input`")
        return self


class ModelConfig(_Strict):
    owners: list[UserId] = Field(default_factory=list)
    oncall: list[UserId] = Field(default_factory=list)
    serving: Serving
    fallback: str | None = None
    slos: dict[str, SLO] = Field(default_factory=dict)
    metrics: Metrics | None = None
    runbook: HttpUrl | None = None
    dashboard: HttpUrl | None = None
    guardrails: Guardrails | None = None
    actions: dict[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")], RunbookAction] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _guardrails_readable(self) -> ModelConfig:
        if self.guardrails is None:
            return self
        if self.metrics is None:
            raise ValueError("guardrails need `metrics` (where the canary's and the stable version's values are read)")
        if self.metrics.backend == "prometheus":
            for metric in self.guardrails.checks:
                query = self.metrics.queries.get(metric)
                if query is None or "$version" not in query:
                    raise ValueError(f"guardrails.checks.{metric}: metrics.queries.{metric} needs `$version` in it")
        return self


class TriageThresholds(_Strict):
    """The severity table's lines; the defaults are the spec's."""

    global_slice_share: float = Field(default=0.5, gt=0, le=1)  # ≥ this share of slices in breach: global (SEV1)
    failure_rate_sev1: float = Field(default=0.5, gt=0, le=1)
    failure_rate_sev2: float = Field(default=0.25, gt=0, le=1)
    relative_drop_sev2: float = Field(default=0.10, gt=0, le=1)  # drop from baseline, relative
    psi_alarm: float = Field(default=0.2, gt=0)
    recent_deploy: Duration = timedelta(hours=2)  # a deploy this shortly before: roll back first
    serving_sev2_ratio: float = Field(default=2.0, gt=1)  # a serving SLO this many times over (or errors): SEV2
    storm_groups: int = Field(default=10, ge=1)  # more new alert groups than this within storm_within: a storm card
    storm_within: Duration = timedelta(minutes=5)


class PagerDutySettings(_Strict):
    routing_key_env: str = "PAGERDUTY_ROUTING_KEY"  # the Events API v2 integration key of the service to page
    webhook_secret_env: str | None = "PAGERDUTY_WEBHOOK_SECRET"  # the v3 webhook subscription's signing secret
    events_url: HttpUrl = "https://events.pagerduty.com/v2/enqueue"
    timeout_s: float = Field(default=10, gt=0, le=60)


class OpsgenieSettings(_Strict):
    api_key_env: str = "OPSGENIE_API_KEY"  # an API integration's key (Create and Update, Read)
    url: HttpUrl = "https://api.opsgenie.com"
    timeout_s: float = Field(default=10, gt=0, le=60)


class EmailSettings(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    smtp: str  # smtp://host:port (STARTTLS when `starttls`) or smtps://host:port (TLS from the start)
    from_: Email = Field(alias="from")
    starttls: bool = True
    username_env: str | None = None
    password_env: str | None = None
    timeout_s: float = Field(default=20, gt=0, le=120)

    @model_validator(mode="after")
    def _smtp_url(self) -> EmailSettings:
        if not re.fullmatch(r"smtps?://[^/:\s]+(:\d{1,5})?/?", self.smtp):
            raise ValueError(f"smtp {self.smtp!r}: write it like smtp://mail.example.com:587")
        return self


class JiraSettings(_Strict):
    url: HttpUrl
    project: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,19}$")
    issue_type: str = "Task"
    user_env: str = "JIRA_USER"  # the account's email (Jira Cloud: basic auth with an API token)
    token_env: str = "JIRA_TOKEN"
    link_type: str = "Relates"  # how an action item's issue is linked to the incident's
    timeout_s: float = Field(default=15, gt=0, le=120)


class Integrations(_Strict):
    """Beyond Slack, each optional; secrets come from the environment variables named here."""

    pagerduty: PagerDutySettings | None = None
    opsgenie: OpsgenieSettings | None = None
    email: EmailSettings | None = None
    jira: JiraSettings | None = None

    def pagers(self) -> list[str]:
        return [name for name in PAGERS if getattr(self, name) is not None]


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _clock_time(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        value = f"{value // 60:02d}:{value % 60:02d}"  # YAML 1.1 reads an unquoted 13:30 as 810 (base 60)
    text = str(value).strip()
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        raise ValueError(f"{text!r} is not a time of day as HH:MM (UTC), e.g. 09:00")
    return text


class DigestSettings(_Strict):
    """The weekly insights digest in the announcements channel: on `weekday` at `at` (UTC), the last `days` days."""

    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    at: Annotated[str, BeforeValidator(_clock_time)] = "09:00"
    days: int = Field(default=7, ge=1, le=90)


class InsightsSettings(_Strict):
    digest: DigestSettings | None = None  # off unless set


class Config(_Strict):
    channels: Channels = Channels()
    incident_channel_prefix: Annotated[str, AfterValidator(_channel_prefix)] = "inc"
    severities: dict[Severity, SeverityPolicy] = Field(default_factory=dict)
    escalation: list[EscalationStep] = Field(default_factory=list)
    responders: list[UserOrGroup] = Field(default_factory=list)
    models: dict[str, ModelConfig] = Field(default_factory=dict)
    triage: TriageThresholds = TriageThresholds()
    templates_dir: Path | None = None
    freeze_deploys: list[Severity] = Field(default_factory=list)  # an open incident of these freezes its model
    integrations: Integrations = Integrations()
    drills_dir: Path | None = None  # the team's drill scenarios (YAML), beside the built-in ones
    insights: InsightsSettings = InsightsSettings()

    @model_validator(mode="after")
    def _digest_needs_a_channel(self) -> Config:
        if self.insights.digest is not None and not self.channels.announcements:
            raise ValueError("insights.digest: the weekly digest is posted in channels.announcements, which is not set")
        return self

    @model_validator(mode="before")
    @classmethod
    def _model_needs_serving(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, model in (data.get("models") or {}).items():
                if str(name).startswith("drill-"):
                    raise ValueError(f"models.{name}: names starting with drill- are the drills' own")
                if isinstance(model, dict) and "serving" not in model:
                    raise ValueError(
                        f"models.{name}.serving: model has no serving backend ({', '.join(SERVING_BACKENDS)})"
                    )
        return data

    @model_validator(mode="after")
    def _fill_severities(self) -> Config:
        # A listed severity changes only the fields it names: `SEV1: {update_every: 10m}` keeps auto_declare.
        # The runbook's notify table is the default where its integration is set up: SEV1 pages through every
        # configured pager, SEV3 and SEV4 get a Jira ticket.
        merged = {}
        problems = []
        for sev in SEVERITIES:
            given = self.severities.get(sev)
            default = DEFAULT_SEVERITIES[sev]
            if sev == "SEV1":
                default = default.model_copy(update={"page": self.integrations.pagers()})
            if sev in ("SEV3", "SEV4") and self.integrations.jira is not None:
                default = default.model_copy(update={"ticket": "jira"})
            policy = (
                default.model_copy(update={f: getattr(given, f) for f in given.model_fields_set}) if given else default
            )
            for pager in policy.page:
                if getattr(self.integrations, pager) is None:
                    problems.append(f"severities.{sev}.page: {pager} is not set up under integrations.{pager}")
            if policy.ticket == "jira" and self.integrations.jira is None:
                problems.append(f"severities.{sev}.ticket: jira is not set up under integrations.jira")
            if policy.email and self.integrations.email is None:
                problems.append(f"severities.{sev}.email: mail needs integrations.email (the SMTP server)")
            merged[sev] = policy
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "severities", merged)
        return self

    def policy(self, severity: str) -> SeverityPolicy:
        return self.severities[severity]

    def model(self, name: str | None) -> ModelConfig | None:
        """A model of sevbot.yml, or a drill's (`drill-<id>-<scenario>`, made from its scenario)."""
        if not name:
            return None
        found = self.models.get(name)
        if found is None and name.startswith("drill-"):
            from bot.drills.identity import drill_model

            return drill_model(name, self.drills_dir)
        return found


class ConfigError(Exception):
    """The configuration is wrong; `problems` name each bad field and why."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


def _known_keys() -> set[str]:
    """Every key the configuration file can hold, at any level (for "did you mean")."""
    models: list[type[BaseModel]] = [Config, Channels, SeverityPolicy, EscalationStep, SLO, Metrics, ModelConfig]
    models += [TriageThresholds, Guardrails, GuardrailCheck, Degradation, Integrations, PagerDutySettings]
    models += [OpsgenieSettings, EmailSettings, JiraSettings, RunbookAction, ActionInput]
    serving = {key for required, optional in SERVING_KEYS.values() for key in required + optional}
    aliases = {f.alias for model in models for f in model.model_fields.values() if f.alias}
    return {name for model in models for name in model.model_fields} | aliases | serving


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc if not str(part).startswith("function-") and part != "[key]")


def parse_config(data: object, *, source: str = "sevbot.yml") -> Config:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, ["the file must be a mapping of settings (channels:, models:, …)"])
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = _field_path(err["loc"])
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":  # a mistyped key: say what it may have meant
                message = f"unknown setting{did_you_mean(str(err['loc'][-1]), _known_keys())}"
            elif err["type"] == "literal_error":  # a mistyped value (`backend: mlfow`): likewise
                expected = re.findall(r"'([^']+)'", str((err.get("ctx") or {}).get("expected", "")))
                given = str(err.get("input"))
                message = f"`{given}` is not one of {', '.join(expected)}{did_you_mean(given, expected)}"
            if message.startswith("models.") and not path:
                problems.append(message)
            else:
                problems.append(f"{path}: {message}" if path else message)
        raise ConfigError(source, problems) from None


def load_config(path: Path, *, required: bool = False) -> Config:
    """Read and validate the YAML file; a missing file gives the defaults unless it is required."""
    if not path.exists():
        if required:
            missing = "no such file: `sevbot init` writes a commented one here, or set SEVBOT_CONFIG to its path"
            raise ConfigError(str(path), [missing])
        return Config()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:  # where in this file, not in "<unicode string>"
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        said = f"not valid YAML: {where}{what}" + (f" ({context})" if context else "")
        raise ConfigError(str(path), [said]) from None
    return parse_config(data, source=str(path))
