"""The tables: incidents, role assignments, timeline events, alerts, actions and the Slack outbox.

Times are stored as UTC and come back timezone-aware whatever the database keeps.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from bot.clock import utc

__all__ = [
    "SYSTEM_ACTOR",
    "Action",
    "Alert",
    "AlertGroup",
    "AlertGroupStatus",
    "CatchupOffer",
    "Digest",
    "HomeChart",
    "HomeView",
    "Incident",
    "IncidentMemory",
    "IncidentStatus",
    "Notification",
    "OutboxMessage",
    "Role",
    "RoleAssignment",
    "TimelineEvent",
    "UTCDateTime",
]

SYSTEM_ACTOR = "sevbot"  # the actor of what sevbot does itself (the roles of a declaration, automatic steps)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp kept as naive UTC in every database and handed back aware."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return utc(value).replace(tzinfo=None) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return utc(value) if value is not None else None


def _time(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def _json() -> Any:
    return Field(default_factory=dict, sa_column=sa.Column(sa.JSON(), nullable=False))


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class Role(StrEnum):
    COMMANDER = "commander"
    OPS = "ops"
    ML_OWNER = "ml-owner"
    COMMS = "comms"

    @property
    def label(self) -> str:
        return {"commander": "Commander", "ops": "Ops", "ml-owner": "ML owner", "comms": "Comms"}[self.value]


class Incident(SQLModel, table=True):
    __tablename__ = "incidents"

    id: int | None = Field(default=None, primary_key=True)
    severity: str = Field(max_length=8)
    status: str = Field(default=IncidentStatus.INVESTIGATING, max_length=16, index=True)
    title: str = Field(max_length=300)  # Slack text: what a person typed (mentions kept), escaped alert words
    description: str = Field(default="", max_length=3000)
    model: str | None = Field(default=None, max_length=200, index=True)
    impact: str = Field(default="", max_length=1000)
    scope: str = Field(default="", max_length=1000)
    mitigation: str = Field(default="", max_length=1000)
    summary: str = Field(default="", max_length=3000)
    declared_by: str = Field(max_length=32)
    auto_declared: bool = False
    declared_at: datetime = _time(index=True)  # the insights read a period by it
    acknowledged_at: datetime | None = _time(nullable=True)
    acknowledged_by: str | None = Field(default=None, max_length=32)
    resolved_at: datetime | None = _time(nullable=True)
    resolved_by: str | None = Field(default=None, max_length=32)
    next_update_at: datetime | None = _time(nullable=True)
    reminded_at: datetime | None = _time(nullable=True)  # the last update nudge (claimed by one replica)
    snoozed_until: datetime | None = _time(nullable=True)
    escalation_step: int = 0  # escalation steps already done
    # Slack state, filled in by the outbox as it goes (a restart resumes from here).
    channel_seq: int = 1
    channel_name: str | None = Field(default=None, max_length=80)
    channel_id: str | None = Field(default=None, max_length=32, index=True)
    card_ts: str | None = Field(default=None, max_length=32)
    card_pinned: bool = False  # a pin that failed is tried again until it holds
    announcement_ts: str | None = Field(default=None, max_length=32)
    bookmarked: bool = False
    invited: bool = False  # the set-up's invitation went (a retried set-up does not invite again)
    alert_digest_ts: str | None = Field(default=None, max_length=32)
    reminder_ts: str | None = Field(default=None, max_length=32)  # the reminder whose buttons are live
    triage: dict[str, Any] = _json()  # the findings that decided the severity, when an alert did
    drill: str | None = Field(default=None, max_length=60)  # a drill's scenario: nothing real is touched (bot.drills)
    drill_speed: float | None = None  # how much faster a drill's clock runs: its cadence and windows shrink by it


class RoleAssignment(SQLModel, table=True):
    __tablename__ = "role_assignments"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    role: str = Field(max_length=16)
    user_id: str = Field(max_length=32, index=True)  # App Home: the incidents a person holds a role in
    assigned_by: str = Field(max_length=32)
    assigned_at: datetime = _time()
    ended_at: datetime | None = _time(nullable=True)


class TimelineEvent(SQLModel, table=True):
    __tablename__ = "timeline_events"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    at: datetime = _time()
    actor: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    data: dict[str, Any] = _json()


class Alert(SQLModel, table=True):
    __tablename__ = "alerts"
    __table_args__ = (sa.UniqueConstraint("source", "fingerprint", name="uq_alerts_source_fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    fingerprint: str = Field(max_length=128)
    status: str = Field(max_length=16)
    model: str | None = Field(default=None, max_length=200, index=True)
    metric: str | None = Field(default=None, max_length=200)
    value: float | None = None
    threshold: float | None = None
    labels: dict[str, Any] = _json()
    details: dict[str, Any] = _json()
    starts_at: datetime | None = _time(nullable=True)
    ends_at: datetime | None = _time(nullable=True)
    received_at: datetime = _time()
    updated_at: datetime = _time()
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="alert_groups.id", index=True)


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class AlertGroupStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DISMISSED = "dismissed"
    DECLARED = "declared"
    RESOLVED = "resolved"


class AlertGroup(SQLModel, table=True):
    """A model's alerts while no incident is open for it: one card in the alerts channel, triaged as a whole."""

    __tablename__ = "alert_groups"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, index=True)
    model: str | None = Field(default=None, max_length=200)
    status: str = Field(default=AlertGroupStatus.OPEN, max_length=16, index=True)
    severity: str = Field(max_length=8)
    title: str = Field(max_length=300)  # plain, as the alert said it: escaped when rendered
    triage: dict[str, Any] = _json()
    firing: int = 0
    resolved: int = 0
    created_at: datetime = _time(index=True)  # alert tuning reads a period by it
    updated_at: datetime = _time()
    card_ts: str | None = Field(default=None, max_length=32)
    acted_by: str | None = Field(default=None, max_length=32)
    acted_at: datetime | None = _time(nullable=True)
    reason: str | None = Field(default=None, max_length=1000)
    incident_id: int | None = Field(default=None, foreign_key="incidents.id")
    storm_id: int | None = Field(default=None, foreign_key="alert_storms.id")  # gathered into a storm's card
    similar: list[dict[str, Any]] = Field(  # the past incidents most like it (bot.memory), for its card
        default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False, server_default="[]")
    )


class AlertStorm(SQLModel, table=True):
    """Many new alert groups at once: one card for them all in the alerts channel, the groups in its thread."""

    __tablename__ = "alert_storms"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = _time()
    updated_at: datetime = _time(index=True)  # the last group that joined: the storm lasts while they keep coming
    card_ts: str | None = Field(default=None, max_length=32)
    thread: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False))


class Action(SQLModel, table=True):
    __tablename__ = "actions"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    kind: str = Field(max_length=16)
    model: str = Field(max_length=200)
    backend: str = Field(max_length=16)
    status: str = Field(max_length=16)
    requested_by: str = Field(max_length=32)
    requested_at: datetime = _time()
    confirmed_by: str | None = Field(default=None, max_length=32)
    finished_at: datetime | None = _time(nullable=True)
    version_before: str | None = Field(default=None, max_length=200)
    version_after: str | None = Field(default=None, max_length=200)
    params: dict[str, Any] = _json()
    error: str | None = Field(default=None, max_length=2000)


class LiveVersion(SQLModel, table=True):
    """A version sevbot saw live on a model's serving platform, and when it first did: the history that decides
    "the previous version" where the platform keeps none."""

    __tablename__ = "live_versions"
    __table_args__ = (sa.UniqueConstraint("model", "version", name="uq_live_versions_model_version"),)

    id: int | None = Field(default=None, primary_key=True)
    model: str = Field(max_length=200, index=True)
    version: str = Field(max_length=200)
    first_seen_at: datetime = _time()
    last_seen_at: datetime = _time()


class OutboxMessage(SQLModel, table=True):
    """Slack work owed: written with the change it reports, done (at least) once, in order per incident."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    subject: str = Field(default="", max_length=64, index=True)  # rows of one subject run in order
    kind: str = Field(max_length=32)
    payload: dict[str, Any] = _json()
    created_at: datetime = _time()
    next_attempt_at: datetime = _time(index=True)
    attempts: int = 0
    lease_until: datetime | None = _time(nullable=True)
    done_at: datetime | None = _time(nullable=True, index=True)
    failed: bool = False
    last_error: str | None = Field(default=None, max_length=2000)


class SlackDelivery(SQLModel, table=True):
    """A Slack request already acted on (its `trigger_id`, or the click's `action_ts` and message): a delivery seen
    again — a replay, a retry — is acknowledged and not acted on twice, on any replica."""

    __tablename__ = "slack_deliveries"

    key: str = Field(primary_key=True, max_length=200)
    seen_at: datetime = _time(index=True)


class VersionMark(SQLModel, table=True):
    """The version ledger: a model version an incident rolled back from (bad), or one that passed its verification
    after containment (good), with the incident and why. The newest mark of a version is what it is known as."""

    __tablename__ = "version_marks"

    id: int | None = Field(default=None, primary_key=True)
    model: str = Field(max_length=200, index=True)
    version: str = Field(max_length=200)
    mark: str = Field(max_length=8)  # "bad" | "good"
    incident_id: int | None = Field(default=None, foreign_key="incidents.id")
    action_id: int | None = Field(default=None, foreign_key="actions.id")
    reason: str = Field(default="", max_length=500)
    marked_by: str | None = Field(default=None, max_length=32)
    marked_at: datetime = _time()


class DeployFreeze(SQLModel, table=True):
    """A model's deploys held: by an open incident of a `freeze_deploys` severity (automatic, by sevbot), or by a
    person's `/incident freeze`. It ends with its incident or an `/incident unfreeze`; while any is current, the gate
    (`GET /deploys/{model}`, Flagger's webhook) says no."""

    __tablename__ = "deploy_freezes"

    id: int | None = Field(default=None, primary_key=True)
    model: str = Field(max_length=200, index=True)
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    automatic: bool = False
    reason: str = Field(default="", max_length=500)
    frozen_by: str = Field(max_length=32)
    since: datetime = _time()
    ended_at: datetime | None = _time(nullable=True)
    ended_by: str | None = Field(default=None, max_length=32)


class GuardrailState(SQLModel, table=True):
    """One guardrail check of one canary, as of the last tick: its values, and since when it has been breached
    (consecutively), so a restart or another replica continues the same count and opens one incident for it."""

    __tablename__ = "guardrail_states"
    __table_args__ = (sa.UniqueConstraint("model", "metric", "canary", name="uq_guardrail_states_check"),)

    id: int | None = Field(default=None, primary_key=True)
    model: str = Field(max_length=200, index=True)
    metric: str = Field(max_length=200)
    canary: str = Field(max_length=200)
    stable: str | None = Field(default=None, max_length=200)
    status: str = Field(max_length=16)  # breach | ok | unknown (missing data: never a pass, never a breach)
    canary_value: float | None = None
    stable_value: float | None = None
    limit: float | None = None  # the value the canary may not pass (from stable and the rule, or the rule alone)
    breached_since: datetime | None = _time(nullable=True)
    checked_at: datetime = _time()
    incident_id: int | None = Field(default=None, foreign_key="incidents.id")
    unknown_since: datetime | None = _time(nullable=True)  # no data since: neither a pass nor a breach
    blind: bool = False  # no data for the guardrail's `for`: the model's open incident's card says so


class Notification(SQLModel, table=True):
    """One thing told beyond the incident channel (`bot.notify`): a page, a mail thread to one address, a card in a
    notify channel, a ticket. Recorded before it is sent, with the key that makes a retry the same thing (the page's
    dedup key, the mail's Message-ID, the ticket's marker label); what the far side gave back (an issue key, a message
    ts) is kept once known, so it is created once."""

    __tablename__ = "notifications"
    __table_args__ = (sa.UniqueConstraint("incident_id", "via", "purpose", "target", name="uq_notifications_once"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incidents.id", index=True)
    via: str = Field(max_length=16)  # pagerduty | opsgenie | email | jira | slack
    purpose: str = Field(max_length=16)  # page | mail | card | ticket | action
    target: str = Field(default="", max_length=200)  # the address, the channel, the action item's event, the page's n
    key: str = Field(max_length=200)  # the dedup key / alias, the first Message-ID, the ticket's marker label
    ref: str | None = Field(default=None, max_length=200)  # what the far side said it is: issue key, message ts
    url: str | None = Field(default=None, max_length=500)
    state: str = Field(default="queued", max_length=16)  # queued | sent | acknowledged | resolved | failed
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _time()
    sent_at: datetime | None = _time(nullable=True)
    data: dict[str, Any] = _json()


class Drill(SQLModel, table=True):
    """One play of a drill scenario (`bot.drills`): who runs it, at what speed, how far its script has gone, its
    simulated service's state and the containments done on it, and its scorecard once resolved. Its model is named
    for it (`drill-<id>-<scenario>`), so nothing of it can be mistaken for a real model's."""

    __tablename__ = "drills"

    id: int | None = Field(default=None, primary_key=True)
    scenario: str = Field(max_length=60, index=True)
    speed: float = 1.0
    started_at: datetime = _time()
    started_by: str = Field(max_length=32)
    channel: str = Field(max_length=32)  # where it was started: told there if it cannot begin
    people: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False))
    incident_id: int | None = Field(default=None, foreign_key="incidents.id", index=True)
    alerts_sent: int = 0  # the script's alerts sent so far, in order (claimed with a compare-and-set)
    service: dict[str, Any] = _json()  # the simulated service: live, fallback, review, canary_percent
    contained: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False))
    scorecard: dict[str, Any] = _json()  # filled when the drill's incident is resolved
    ended_at: datetime | None = _time(nullable=True)


class HomeView(SQLModel, table=True):
    """Someone who opened sevbot's App Home: their page of open incidents, and when they last looked. Homes opened
    recently are published again when an incident changes (`bot.home`)."""

    __tablename__ = "home_views"

    user_id: str = Field(primary_key=True, max_length=32)
    opened_at: datetime = _time(index=True)
    page: int = 0


class HomeChart(SQLModel, table=True):
    """An insights chart uploaded to Slack (a private file App Home shows), by what it draws: drawn and uploaded
    once, whichever replica publishes a home first."""

    __tablename__ = "home_charts"

    key: str = Field(primary_key=True, max_length=64)
    file_id: str = Field(max_length=32)
    made_at: datetime = _time()


class Digest(SQLModel, table=True):
    """A weekly insights digest, by its week (`2026-W49`): the row is the claim, so replicas send it once."""

    __tablename__ = "digests"

    week: str = Field(primary_key=True, max_length=16)
    sent_at: datetime = _time()


class IncidentMemory(SQLModel, table=True):
    """What is remembered of an incident for finding it again (`bot.memory`): its facts and words, kept current as
    it changes; and, once recalled, the past incidents most like it with what fixed them. Every replica reads the
    rows changed since it last looked (`updated_at`), so they share one index."""

    __tablename__ = "incident_memory"

    incident_id: int = Field(primary_key=True, foreign_key="incidents.id")
    declared_at: datetime = _time()
    model: str | None = Field(default=None, max_length=200)
    kind: str | None = Field(default=None, max_length=16)
    metric: str | None = Field(default=None, max_length=200)
    slices: list[str] = Field(default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False))
    deploy_before: bool = False
    drop: float | None = None
    text: str = Field(default="", sa_column=sa.Column(sa.Text(), nullable=False))
    updated_at: datetime = _time(index=True)
    similar: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(sa.JSON(), nullable=False))
    recalled_at: datetime | None = _time(nullable=True)


class CatchupOffer(SQLModel, table=True):
    """Someone offered the catch-up on joining an incident's channel late: once per person and incident."""

    __tablename__ = "catchup_offers"

    incident_id: int = Field(primary_key=True, foreign_key="incidents.id")
    user_id: str = Field(primary_key=True, max_length=32)
    offered_at: datetime = _time()
