"""The postmortem, from what the database recorded: `templates/postmortem.md.j2` gets a plain context built here.

Everything is read in three queries (the incident's timeline, its role assignments, its alerts' slices) and shaped
in Python, so an incident with thousands of events renders well under a second (tests/perf/postmortem_render.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import timeline
from bot.alerts.facts import natural_key
from bot.models import Alert, Incident, RoleAssignment, TimelineEvent
from bot.outbox import OutboxKind, enqueue
from bot.texts import Texts
from bot.timeline import EventKind

__all__ = ["Postmortem", "Step", "gather", "render", "request"]

QUIET = {EventKind.REMINDER}  # nudges are not part of the story


class Step(StrEnum):
    DOCUMENT = "document"
    CHART = "chart"
    SUMMARY = "summary"


async def request(
    session: AsyncSession, *, incident_id: int, asked_by: str, now: datetime, notice_ts: str | None = None
) -> None:
    """Queue the postmortem: one outbox row per step, done in order, so retrying a step that failed never repeats
    one that succeeded (no second upload of the same file)."""
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

    def _first(self, kind: EventKind, **match: Any) -> TimelineEvent | None:
        return next(
            (e for e in self.events if e.kind == kind and all(e.data.get(k) == v for k, v in match.items())), None
        )

    def _since(self, at: datetime | None) -> timedelta | None:
        return at - self.incident.declared_at if at else None

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return self._since(self.incident.acknowledged_at)

    @property
    def time_to_contain(self) -> timedelta | None:
        contained = self._first(EventKind.ACTION, status="succeeded")
        return self._since(contained.at) if contained else None

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self._since(self.incident.resolved_at)

    @property
    def severity_history(self) -> list[tuple[datetime, str, str]]:
        """(when, severity, who): the declared one, then each change."""
        history = [(self.incident.declared_at, self._declared_severity(), self.incident.declared_by)]
        history += [(e.at, str(e.data["after"]), e.actor) for e in self.events if e.kind == EventKind.SEVERITY_CHANGED]
        return history

    def _declared_severity(self) -> str:
        declared = self._first(EventKind.DECLARED)
        return str(declared.data.get("severity")) if declared else self.incident.severity

    @property
    def timeline(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.kind not in QUIET]

    @property
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

    @property
    def rca_notes(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.kind == EventKind.NOTE and e.data.get("rca")]

    @property
    def action_items(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.kind == EventKind.ACTION_ITEM]

    @property
    def containment(self) -> list[TimelineEvent]:
        return [
            e for e in self.events if e.kind == EventKind.ACTION and e.data.get("status") in ("succeeded", "failed")
        ]

    @property
    def verifications(self) -> list[TimelineEvent]:
        return [e for e in self.events if e.kind == EventKind.VERIFICATION]

    @property
    def alerts(self) -> int:
        return sum(1 for e in self.events if e.kind == EventKind.ALERT and e.data.get("status") == "firing")

    @property
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
    return Postmortem(incident=incident, events=list(found), roles=list(roles), slices=labels)


def render(texts: Texts, pm: Postmortem, *, names: dict[str, str], now: datetime) -> str:
    """The Markdown document; `names` maps the user IDs of `pm.people` to their handles."""
    return texts.render_markdown("postmortem.md.j2", names=names, pm=pm, i=pm.incident, now=now)
