"""The postmortem, from what the database recorded: `templates/postmortem.md.j2` gets a plain context built here.

Everything is read in three queries (the incident's timeline, its role assignments, its alerts' slices) and shaped
in Python, so an incident with thousands of events renders well under a second (tests/perf/postmortem_render.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts.facts import facts_for, natural_key
from bot.drills.scorecard import postmortem_asked
from bot.incidents import hypotheses, timeline
from bot.incidents.hypotheses import Hypothesis
from bot.incidents.timeline import EventKind
from bot.models import Alert, AlertStatus, Incident, RoleAssignment, TimelineEvent
from bot.recovery import all_recovered
from bot.runtime.outbox import OutboxKind, enqueue
from bot.texts import Texts
from bot.triage import Facts
from bot.triage.kinds import plural

__all__ = ["Postmortem", "Step", "gather", "render", "request"]

QUIET = {EventKind.REMINDER}  # nudges are not part of the story


class Step(StrEnum):
    CHART = "chart"  # every verification's chart is up with its permalink (normally it already is)
    DOCUMENT = "document"  # the Markdown, which links to those charts
    SUMMARY = "summary"


async def request(
    session: AsyncSession, *, incident_id: int, asked_by: str, now: datetime, notice_ts: str | None = None
) -> None:
    """Queue the postmortem: one outbox row per step, done in order, so retrying a step that failed never repeats
    one that succeeded (no second upload of the same file)."""
    await postmortem_asked(session, incident_id=incident_id)  # a drill's scorecard counts it
    for step in Step:
        notice = notice_ts if step == Step.DOCUMENT else None
        await enqueue(
            session,
            kind=OutboxKind.POSTMORTEM,
            incident_id=incident_id,
            now=now,
            asked_by=asked_by,
            step=step.value,
            message_ts=notice,
        )


@dataclass
class Postmortem:
    incident: Incident
    events: list[TimelineEvent]
    roles: list[RoleAssignment]
    slices: list[str] = field(default_factory=list)
    alert_rows: list[Alert] = field(default_factory=list)

    # ----- detection: from the alerts' own facts (triage's reading of them), not only when sevbot heard of them -----
    @cached_property
    def facts(self) -> Facts:
        return facts_for(self.alert_rows, model=None, now=self.incident.resolved_at or self.incident.declared_at)

    @property
    def deployed_at(self) -> datetime | None:
        """The latest deploy an alert reported (`deployed_at`)."""
        return self.facts.deployed_at

    @property
    def impact_started_at(self) -> datetime | None:
        return self.facts.breach_started

    @cached_property
    def impact_ended_at(self) -> datetime | None:
        """When the last of the incident's alerts stopped firing; None while one still fires (or none came)."""
        if not self.alert_rows or any(a.status == AlertStatus.FIRING for a in self.alert_rows):
            return None
        return max(a.ends_at or a.updated_at for a in self.alert_rows)

    @property
    def impact_lasted(self) -> timedelta | None:
        """How long users were affected: from the earliest alert's start to the last one's end."""
        start, end = self.impact_started_at, self.impact_ended_at
        return end - start if start and end and end >= start else None

    @cached_property
    def key_times(self) -> list[tuple[str, datetime | None, timedelta | None]]:
        """The detection and response table's rows (the template names them), in the order they happened, what
        never happened last: (which, when, how long it took)."""
        contained = self._first(EventKind.ACTION, status="succeeded")
        rows: list[tuple[str, datetime | None, timedelta | None]] = [
            ("deploy", self.deployed_at, None),
            ("impact_began", self.impact_started_at, None),
            ("first_alert", self.first_alert_at, None),
            ("declared", self.incident.declared_at, self.time_to_detect),
            ("acknowledged", self.incident.acknowledged_at, self.time_to_acknowledge),
            ("contained", contained.at if contained else None, self.time_to_contain),
            ("impact_ended", self.impact_ended_at, self.impact_lasted),
            ("verified", self.recovered.at if self.recovered else None, self.time_to_verify),
            ("resolved", self.incident.resolved_at, self.time_to_resolve),
        ]
        happened = sorted((r for r in rows if r[1] is not None), key=lambda r: r[1] or self.incident.declared_at)
        return happened + [r for r in rows if r[1] is None]

    @cached_property
    def first_alert_at(self) -> datetime | None:
        return min((a.received_at for a in self.alert_rows), default=None)

    @property
    def slices_total(self) -> int | None:
        return self.facts.slices_total

    @property
    def slice_label(self) -> str:
        """What the slices are called, plural ("cameras")."""
        return plural(self.facts.slice_label, len(self.slices))

    @property
    def time_to_detect(self) -> timedelta | None:
        """From the start of impact (the earliest alert's start) to the declaration."""
        start = self.impact_started_at
        return self.incident.declared_at - start if start and start <= self.incident.declared_at else None

    @cached_property
    def recovered(self) -> TimelineEvent | None:
        """The first verification that found every SLO recovered."""
        return next(
            (e for e in self.verifications if all_recovered(e.data.get("verdicts"))),
            None,
        )

    @cached_property
    def time_to_verify(self) -> timedelta | None:
        recovered = self.recovered
        return self._since(recovered.at) if recovered else None

    @cached_property
    def hypotheses(self) -> list[Hypothesis]:
        return hypotheses.from_events(self.events)

    @cached_property
    def rolled_back_from(self) -> str | None:
        """The version the first successful rollback left: the suspect of a deploy-caused incident."""
        first = self._first(EventKind.ACTION, status="succeeded", action="rollback")
        return str(first.data.get("before")) if first and first.data.get("before") else None

    def _first(self, kind: EventKind, **match: Any) -> TimelineEvent | None:
        return next(
            (e for e in self.events if e.kind == kind and all(e.data.get(k) == v for k, v in match.items())), None
        )

    def _since(self, at: datetime | None) -> timedelta | None:
        return at - self.incident.declared_at if at else None

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return self._since(self.incident.acknowledged_at)

    @cached_property
    def time_to_contain(self) -> timedelta | None:
        contained = self._first(EventKind.ACTION, status="succeeded")
        return self._since(contained.at) if contained else None

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self._since(self.incident.resolved_at)

    @cached_property
    def severity_history(self) -> list[tuple[datetime, str, str, str]]:
        """(when, severity, who, why): the declared one (why: triage's first finding, if sevbot declared it), then
        each change with the reason given."""
        declared_why = "declared from an alert by triage" if self.incident.auto_declared else ""
        history = [(self.incident.declared_at, self._declared_severity(), self.incident.declared_by, declared_why)]
        history += [
            (e.at, str(e.data["after"]), e.actor, str(e.data.get("why") or ""))
            for e in self.events
            if e.kind == EventKind.SEVERITY_CHANGED
        ]
        return history

    def _declared_severity(self) -> str:
        declared = self._first(EventKind.DECLARED)
        return str(declared.data.get("severity")) if declared else self.incident.severity

    @cached_property
    def timeline(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.kind not in QUIET]

    @cached_property
    def rows(self) -> list[dict[str, Any]]:
        """The timeline for people: alerts that fired (or resolved) together become one row."""
        rows: list[dict[str, Any]] = []
        for e in self.timeline:
            last = rows[-1] if rows else None
            if (
                e.kind == EventKind.ALERT
                and last is not None
                and last["kind"] == EventKind.ALERT
                and last["at"] == e.at
                and last["status"] == e.data.get("status")
                and last["name"] == e.data.get("name")
            ):
                last["count"] += 1
                if e.data.get("slice"):
                    last["slices"].append(str(e.data["slice"]))
                if isinstance(e.data.get("value"), int | float):
                    last["values"].append(float(e.data["value"]))
                continue
            rows.append(
                {
                    "at": e.at,
                    "actor": e.actor,
                    "kind": e.kind,
                    "data": e.data,
                    "status": e.data.get("status"),
                    "name": e.data.get("name"),
                    "count": 1,
                    "slices": [str(e.data["slice"])] if e.data.get("slice") else [],
                    "values": [float(e.data["value"])] if isinstance(e.data.get("value"), int | float) else [],
                }
            )
        return rows

    @cached_property
    def rca_notes(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.kind == EventKind.NOTE and e.data.get("rca")]

    @cached_property
    def recurrences(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.kind == EventKind.RECURRENCE]

    @cached_property
    def tickets(self) -> list[TimelineEvent]:
        """The incident's tickets and its action items', as they were opened (`bot.notify`)."""
        return [
            e for e in self.events if e.kind == EventKind.NOTIFIED and e.data.get("purpose") in ("ticket", "action")
        ]

    def ticket_of(self, item: TimelineEvent) -> dict[str, Any] | None:
        """An action item's ticket, once opened."""
        found = next((e for e in self.tickets if e.data.get("item") == item.id), None)
        return found.data if found is not None else None

    @cached_property
    def action_items(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.kind == EventKind.ACTION_ITEM]

    @cached_property
    def containment(self) -> list[TimelineEvent]:
        return [
            e for e in self.events if e.kind == EventKind.ACTION and e.data.get("status") in ("succeeded", "failed")
        ]

    @cached_property
    def verifications(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.kind == EventKind.VERIFICATION]

    @cached_property
    def alerts(self) -> int:
        return sum(1 for e in self.events if e.kind == EventKind.ALERT and e.data.get("status") == AlertStatus.FIRING)

    @cached_property
    def people(self) -> set[str]:
        """Every Slack user the document names (actors, role holders, people notified, action item owners)."""
        named = {e.actor for e in self.events} | {r.user_id for r in self.roles} | {r.assigned_by for r in self.roles}
        named |= {str(u) for e in self.events for u in e.data.get("users", []) + e.data.get("notify", [])}
        named |= {str(e.data["owner"]) for e in self.action_items if e.data.get("owner")}
        return {u for u in named if u[:1] in ("U", "W")}

    def relative(self, at: datetime) -> str:
        delta = at - self.incident.declared_at
        sign = "-" if delta < timedelta(0) else "+"
        minutes, seconds = divmod(abs(int(delta.total_seconds())), 60)
        hours, minutes = divmod(minutes, 60)
        return f"T{sign}{hours}:{minutes:02d}:{seconds:02d}"


async def gather(session: AsyncSession, incident: Incident) -> Postmortem:
    """The incident's timeline, role assignments and alerted slices: three queries."""
    assert incident.id is not None
    found = await timeline.events(session, incident_id=incident.id)
    roles = (
        await session.exec(
            select(RoleAssignment)
            .where(RoleAssignment.incident_id == incident.id)
            .order_by(col(RoleAssignment.assigned_at), col(RoleAssignment.id))
        )
    ).all()
    alerts = (await session.exec(select(Alert).where(Alert.incident_id == incident.id))).all()
    labels = sorted({str(a.details["slice_value"]) for a in alerts if a.details.get("slice_value")}, key=natural_key)
    return Postmortem(incident=incident, events=list(found), roles=list(roles), slices=labels, alert_rows=list(alerts))


def render(texts: Texts, pm: Postmortem, *, names: dict[str, str], now: datetime) -> str:
    """The Markdown document; `names` maps the user IDs of `pm.people` to their handles."""
    return texts.render_markdown("postmortem.md.j2", names=names, pm=pm, i=pm.incident, now=now)
