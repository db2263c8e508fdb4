"""What a verification's chart shows, read from the database: the verdict's series, the SLO, the deploy, the first
alert, the declaration, each containment action, the verification window and, for a localized incident, which slices
were in breach when (from their alerts). Drawing is `bot.reports.chart`'s."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts.facts import facts_for, natural_key
from bot.incidents.timeline import EventKind
from bot.models import Alert, AlertStatus, Incident, TimelineEvent
from bot.recovery import Recovery
from bot.reports.chart import ChartSpec, Marker, SliceRow

__all__ = ["file_name", "spec"]

LEAD = timedelta(minutes=10)  # shown before the earliest moment that matters (the deploy, the breach)
SPAN = timedelta(hours=3)  # the most shown before the declaration (beyond the verification window)


def _charted_verdict(event: TimelineEvent) -> dict[str, Any] | None:
    """The verdict a verification's chart draws: the first SLO with a series."""
    return next((v for v in event.data.get("verdicts", []) if v.get("series")), None)


def _hm(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%H:%M")


async def spec(session: AsyncSession, *, incident_id: int, event_id: int) -> ChartSpec | None:
    """The chart of verification `event_id`, or None when it has no series to draw."""
    incident = await session.get(Incident, incident_id)
    event = await session.get(TimelineEvent, event_id)
    if incident is None or event is None:
        return None
    if event.kind == EventKind.GUARDRAIL:
        return _guardrail(incident, event)
    verdict = _charted_verdict(event)
    if verdict is None:
        return None
    actions = (
        await session.exec(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == EventKind.ACTION)
            .order_by(col(TimelineEvent.at))
        )
    ).all()
    alerts = (await session.exec(select(Alert).where(Alert.incident_id == incident_id))).all()
    end = event.at
    facts = facts_for(alerts, model=None, now=end)  # the deploy, the breach start, the slices: triage's reading
    markers: list[Marker] = []
    if facts.deployed_at is not None:
        deployed = facts.deployed_at
        markers.append(Marker(at=deployed.timestamp(), label=f"deploy ({_hm(deployed)})", kind="deploy"))
    declared, said = incident.declared_at, "declared"
    if alerts:  # when the first alert began firing (its start), not when it reached sevbot
        first = min(a.starts_at or a.received_at for a in alerts)
        if abs(first - declared) < timedelta(minutes=1):  # one line, not one hidden under the other
            said = "first alert, declared"
        else:
            markers.append(Marker(at=first.timestamp(), label=f"first alert ({_hm(first)})", kind="alert"))
    markers.append(Marker(at=declared.timestamp(), label=f"{said} ({_hm(declared)})", kind="declared"))
    for action in actions:
        if action.data.get("status") != "succeeded" or action.at > end:
            continue
        change = f" {action.data.get('before')} → {action.data.get('after')}" if action.data.get("after") else ""
        label = f"{action.data.get('action', 'action')}{change} ({_hm(action.at)})"
        markers.append(Marker(at=action.at.timestamp(), label=label, kind="action"))
    window_s = float(verdict.get("window_s") or 0)
    window_start = end - timedelta(seconds=window_s) if window_s else None
    moments = (facts.deployed_at, facts.breach_started, incident.declared_at, window_start)
    earliest = min(t for t in moments if t is not None)
    # a deploy or an alert's start days before (the sandbox replays last month's alerts today) would squeeze the
    # incident's minutes against the right edge: the chart starts at most a few hours before the declaration
    earliest = max(earliest, incident.declared_at - max(SPAN, timedelta(seconds=window_s)))
    begin = earliest - max(LEAD, (end - earliest) * 0.08)  # the window's start shows as an edge, not the frame
    series = [(float(t), float(v)) for t, v in verdict["series"]]
    name = str(verdict.get("name") or verdict["metric"])
    return ChartSpec(
        title=f"{'Drill · ' if incident.drill else ''}{event.data.get('model') or incident.model} {name}, "
        f"INC-{incident_id}: {_verdict(verdict, event.at)}",
        metric=name,
        series=series,
        start=begin.timestamp(),
        end=end.timestamp(),
        bound=str(verdict.get("bound") or ""),
        limit=verdict.get("limit"),
        markers=markers,
        window=(window_start.timestamp(), end.timestamp()) if window_start else None,
        slices=_slices(alerts, end),
        slices_total=facts.slices_total,
    )


def _verdict(verdict: dict[str, Any], at: datetime) -> str:
    """The chart's verdict in its title, as the verification message says it."""
    said = str(verdict.get("verdict") or Recovery.INCONCLUSIVE).replace("_", " ")  # not_recovered: not recovered
    return f"{said} at {_hm(at)} UTC"


def _guardrail(incident: Incident, event: TimelineEvent) -> ChartSpec:
    """A breached guardrail: the canary against the stable version and the line it may not pass, since before the
    breach began."""
    d = event.data
    since = datetime.fromisoformat(str(d["since"]))
    canary = [(float(t), float(v)) for t, v in d.get("series_canary") or []]
    stable = [(float(t), float(v)) for t, v in d.get("series_stable") or []]
    name = str(d.get("name") or d["metric"])
    begin = min([since.timestamp(), *(t for t, _ in canary + stable)])
    markers = [Marker(at=since.timestamp(), label=f"breach began ({_hm(since)})", kind="alert")]
    return ChartSpec(
        title=f"{incident.model} {name}, INC-{incident.id}: canary {d['canary']} against stable {d.get('stable')}",
        metric=name,
        series=canary,
        label=f"canary {d['canary']} ({float(d.get('percent') or 0):g} %)",
        compare=stable,
        compare_label=f"stable {d.get('stable')}",
        start=begin,
        end=event.at.timestamp(),
        limit=d.get("limit"),
        limit_label="the guardrail's line",
        markers=markers,
    )


async def file_name(session: AsyncSession, *, incident_id: int, event_id: int, metric: str) -> str:
    """`INC-1-mAP-verification-2.png`: the incident, the metric and which of its verifications it was; a breached
    guardrail's is `INC-2-mAP-guardrail.png`."""
    event = await session.get(TimelineEvent, event_id)
    if event is not None and event.kind == EventKind.GUARDRAIL:
        return f"INC-{incident_id}-{re.sub(r'[^A-Za-z0-9_.-]', '_', metric)}-guardrail.png"
    earlier = await session.exec(
        select(sa.func.count())
        .select_from(TimelineEvent)
        .where(
            TimelineEvent.incident_id == incident_id,
            TimelineEvent.kind == EventKind.VERIFICATION,
            col(TimelineEvent.id) <= event_id,
        )
    )
    metric = re.sub(r"[^A-Za-z0-9_.-]", "_", metric)
    return f"INC-{incident_id}-{metric}-verification-{earlier.one()}.png"


def _slices(alerts: list[Alert] | Any, end: datetime) -> list[SliceRow]:
    """Each alerted slice with the spans it was in breach: firing from its start until it resolved (or now)."""
    spans: dict[str, list[tuple[float, float]]] = {}
    for alert in alerts:
        name = alert.details.get("slice_value")
        if not name:
            continue
        began = alert.starts_at or alert.received_at
        if alert.status == AlertStatus.RESOLVED:
            ended = alert.ends_at or alert.updated_at
        else:
            ended = end
        spans.setdefault(str(name), []).append((began.timestamp(), min(ended, end).timestamp()))
    return [SliceRow(name=name, spans=spans[name]) for name in sorted(spans, key=natural_key)]
