"""A drill's scorecard, from what sevbot recorded while the team played it: each line against the runbook's answer or
target (the scenario's `expected`), on the drill's clock (at speed 10, ten seconds of the wall count as a hundred),
except the drill's own length: a tabletop's time box is the people's time.
Kept on the drill, so `/incident drill list` shows each scenario's last score and a team sees itself improve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.drills.scenario import Scenario
from bot.models import Action, Drill, Incident, TimelineEvent
from bot.recovery import all_recovered

__all__ = ["Line", "postmortem_asked", "score", "score_drill"]

PRACTICE_ORDER = (  # what to practise next: the first line missed, in the order an incident needs them
    "acknowledge",
    "severity",
    "first_containment",
    "contain",
    "verified",
    "cadence",
    "hypotheses",
    "action_items",
    "tabletop",
)


@dataclass(frozen=True)
class Line:
    key: str
    passed: bool
    got: str  # what the team did, in a few words (values, not sentences: the template words them)
    want: str  # the runbook's answer or target

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "passed": self.passed, "got": self.got, "want": self.want}


def _minutes(delta: timedelta | None) -> str:
    if delta is None:
        return ""
    return f"{delta.total_seconds() / 60:.1f}"


def score(
    *,
    scenario: Scenario,
    drill: Drill,
    incident: Incident,
    events: Sequence[TimelineEvent],
    actions: Sequence[Action],
    resolved_at: datetime,
) -> dict[str, Any]:
    """The scorecard as data (`templates/drill_scorecard.md.j2` says it)."""
    speed = drill.speed or 1.0
    expected = scenario.expected

    def played(delta: timedelta) -> timedelta:
        return delta * speed

    lines: list[Line] = []
    acked = played(incident.acknowledged_at - incident.declared_at) if incident.acknowledged_at else None
    lines.append(
        Line(
            "acknowledge",
            acked is not None and acked <= expected.acknowledge_within,
            _minutes(acked),
            _minutes(expected.acknowledge_within),
        )
    )
    lines.append(Line("severity", incident.severity == expected.severity, incident.severity, expected.severity))
    done = sorted(
        (a for a in actions if a.status == "succeeded" and a.finished_at is not None),
        key=lambda a: a.finished_at or resolved_at,
    )
    first = done[0] if done else None
    lines.append(
        Line(
            "first_containment",
            first is not None and first.kind == expected.first_containment,
            first.kind if first else "",
            expected.first_containment,
        )
    )
    contained = played(first.finished_at - incident.declared_at) if first and first.finished_at else None
    lines.append(
        Line(
            "contain",
            contained is not None and contained <= expected.contain_within,
            _minutes(contained),
            _minutes(expected.contain_within),
        )
    )
    verifications = [e for e in events if e.kind == "verification" and e.data.get("after_action")]
    last = verifications[-1] if verifications else None
    held = last is not None and all_recovered(last.data.get("verdicts"))
    lines.append(
        Line("verified", held, "held" if held else ("not held" if last else ""), _minutes(expected.success.held))
    )
    reminders = sum(e.kind == "reminder" for e in events)
    updates = sum(e.kind == "status_update" for e in events)
    lines.append(Line("cadence", updates > 0 and reminders == 0, f"{updates}/{reminders}", ""))
    hypotheses = sum(e.kind == "hypothesis" for e in events)
    lines.append(Line("hypotheses", hypotheses > 0, str(hypotheses), "1"))
    items = sum(e.kind == "action_item" for e in events)
    lines.append(Line("action_items", items > 0, str(items), "1"))
    tabletop = resolved_at - drill.started_at  # the session's length is the people's time, whatever the speed
    lines.append(
        Line("tabletop", tabletop <= expected.drill_within, _minutes(tabletop), _minutes(expected.drill_within))
    )
    passed = sum(line.passed for line in lines)
    missed = [line.key for line in lines if not line.passed]
    practise = next((key for key in PRACTICE_ORDER if key in missed), None)
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "speed": speed,
        "lines": [line.as_dict() for line in lines],
        "passed": passed,
        "of": len(lines),
        "practise": practise,
        "resolved_at": resolved_at.isoformat(),
        "postmortem": False,
    }


async def score_drill(
    session: AsyncSession, *, incident: Incident, scenario: Scenario | None, now: datetime
) -> dict[str, Any] | None:
    """Score the drill whose incident this is and keep the scorecard on it; None for a real incident."""
    drill = (await session.exec(select(Drill).where(Drill.incident_id == incident.id))).first()
    if drill is None or scenario is None:
        return None
    events = (
        await session.exec(
            select(TimelineEvent).where(TimelineEvent.incident_id == incident.id).order_by(col(TimelineEvent.id))
        )
    ).all()
    actions = (await session.exec(select(Action).where(Action.incident_id == incident.id))).all()
    card = score(scenario=scenario, drill=drill, incident=incident, events=events, actions=actions, resolved_at=now)
    drill.scorecard = card
    drill.ended_at = now
    session.add(drill)
    return card


async def postmortem_asked(session: AsyncSession, *, incident_id: int) -> None:
    """The scorecard's last line comes after it: a drill's postmortem drafted (asked for; the outbox writes it)."""
    drill = (await session.exec(select(Drill).where(Drill.incident_id == incident_id))).first()
    if drill is not None and drill.scorecard and not drill.scorecard.get("postmortem"):
        drill.scorecard = {**drill.scorecard, "postmortem": True}
        session.add(drill)
