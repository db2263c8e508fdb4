"""Alerts into the database: dedup by fingerprint, at most one open incident per model, triage of a model's
alerts as a group, and automatic declaration where the policy says so. One transaction may carry several
requests' alerts (see `bot.alerts.intake`); each request still gets its own account of what was done.

Alertmanager repeats and retries are the norm: the same (source, fingerprint) updates one row. On PostgreSQL a
transaction-scoped advisory lock per model serialises replicas, so two of them never open two incidents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import incidents, mrkdwn
from bot.alerts.facts import facts_for
from bot.alerts.sources import NormalizedAlert
from bot.alerts.storms import join_storm, storm_subject
from bot.config import Config
from bot.drills.identity import drill_for, drill_id
from bot.incidents import timeline
from bot.incidents.timeline import EventKind
from bot.models import Alert, AlertGroup, AlertGroupStatus, AlertStatus, Incident, IncidentStatus
from bot.runtime.outbox import OutboxKind, enqueue, group_subject, queue
from bot.triage import triage

__all__ = ["IngestResult", "ingest", "ingest_many"]

OPEN_GROUP = (AlertGroupStatus.OPEN, AlertGroupStatus.ACKNOWLEDGED)
_LOCK_KEYS = sa.text("SELECT count(pg_advisory_xact_lock(hashtext(key))) FROM unnest(CAST(:keys AS text[])) AS key")
RETRIAGE_REPEATS = timedelta(minutes=1)  # a group's repeats (no status change) are re-triaged at most this often


@dataclass
class IngestResult:
    new: int = 0
    updated: int = 0
    resolved: int = 0
    incidents: set[int] = field(default_factory=set)
    declared: list[int] = field(default_factory=list)
    groups: set[int] = field(default_factory=set)

    def as_json(self) -> dict[str, Any]:
        return {
            "alerts": {"new": self.new, "updated": self.updated, "resolved": self.resolved},
            "incidents": sorted(self.incidents),
            "declared": self.declared,
            "alert_groups": sorted(self.groups),
        }


def _key(alert: NormalizedAlert) -> str:
    return alert.model or f"{alert.source}:{alert.name}"


@dataclass(frozen=True)
class _Item:
    alert: NormalizedAlert
    result: IngestResult  # the account of the request the alert came in


async def ingest(
    session: AsyncSession, *, alerts: Sequence[NormalizedAlert], config: Config, now: datetime
) -> IngestResult:
    return (await ingest_many(session, requests=[alerts], config=config, now=now))[0]


async def ingest_many(
    session: AsyncSession, *, requests: Sequence[Sequence[NormalizedAlert]], config: Config, now: datetime
) -> list[IngestResult]:
    """Several requests' alerts in one transaction, in the order they came; one result per request.

    The reads are one query each for the whole batch (alerts, open incidents, open groups), so a transaction
    carrying many requests costs little more than one carrying a single alert."""
    results = [IngestResult() for _ in requests]
    by_key: dict[str, list[_Item]] = defaultdict(list)
    for alerts, result in zip(requests, results, strict=True):
        for alert in alerts:
            by_key[_key(alert)].append(_Item(alert, result))
    keys = sorted(by_key)  # one order for every replica: advisory locks never deadlock
    if session.get_bind().dialect.name == "postgresql":  # in one round trip, taken in the array's (sorted) order
        await session.execute(_LOCK_KEYS, {"keys": keys})
    touched = await _upsert(session, by_key, now)
    models = {batch[0].alert.model for batch in by_key.values()} - {None}
    incidents_by_model: dict[str | None, Incident] = {}
    if models:
        found = await session.exec(
            select(Incident)
            .where(col(Incident.model).in_(models), Incident.status != IncidentStatus.RESOLVED)
            .order_by(col(Incident.id))
        )
        incidents_by_model = {incident.model: incident for incident in found.all()}  # the latest wins
    found_groups = await session.exec(
        select(AlertGroup)
        .where(col(AlertGroup.key).in_(keys), col(AlertGroup.status).in_(OPEN_GROUP))
        .order_by(col(AlertGroup.id))
    )
    groups = {group.key: group for group in found_groups.all()}
    cards = _Cards()
    await _ingest_keys(
        session,
        [(key, by_key[key], touched[key]) for key in keys],
        incidents=incidents_by_model,
        groups=groups,
        cards=cards,
        config=config,
        now=now,
    )
    cards.queue(session, now)
    await session.flush()
    return results


@dataclass
class _Cards:
    """Cards to redraw, each queued once however many of its alerts a transaction carried."""

    groups: set[int] = field(default_factory=set)
    storms: set[int] = field(default_factory=set)

    def queue(self, session: AsyncSession, now: datetime) -> None:
        for storm_id in sorted(self.storms):
            queue(session, kind=OutboxKind.STORM_CARD, now=now, subject=storm_subject(storm_id), storm_id=storm_id)
        for group_id in sorted(self.groups):
            queue(session, kind=OutboxKind.ALERT_CARD, now=now, subject=group_subject(group_id), group_id=group_id)


async def _upsert(
    session: AsyncSession, by_key: dict[str, list[_Item]], now: datetime
) -> dict[str, list[tuple[Alert, bool]]]:
    """Rows for each key's alerts, each with whether it is news (new, or its status changed)."""
    wanted = {(item.alert.source, item.alert.fingerprint) for batch in by_key.values() for item in batch}
    existing = await session.exec(
        select(Alert)
        .where(sa.tuple_(col(Alert.source), col(Alert.fingerprint)).in_(list(wanted)))
        .options(defer(Alert.labels), defer(Alert.details))  # type: ignore[arg-type]  # rewritten below, never read
    )
    rows = {(a.source, a.fingerprint): a for a in existing.all()}
    touched: dict[str, dict[tuple[str, str], tuple[Alert, bool]]] = defaultdict(dict)
    for key, batch in by_key.items():
        for item in batch:
            alert, result = item.alert, item.result
            row = rows.get((alert.source, alert.fingerprint))
            if row is None:
                row = Alert(
                    source=alert.source,
                    fingerprint=alert.fingerprint,
                    status=alert.status,
                    model=alert.model,
                    received_at=now,
                )
                rows[(alert.source, alert.fingerprint)] = row
                news = True
                result.new += 1
            else:
                news = row.status != alert.status
                result.updated += 1
            if news and AlertStatus(alert.status) == AlertStatus.RESOLVED:
                result.resolved += 1
            _fill(row, alert, now)
            session.add(row)
            previous = touched[key].get((alert.source, alert.fingerprint))
            touched[key][(alert.source, alert.fingerprint)] = (row, news or bool(previous and previous[1]))
    await session.flush()
    return {key: list(rows_of_key.values()) for key, rows_of_key in touched.items()}


def _fill(row: Alert, alert: NormalizedAlert, now: datetime) -> None:
    row.status, row.metric, row.value, row.threshold = alert.status, alert.metric, alert.value, alert.threshold
    row.labels, row.updated_at = dict(alert.labels), now
    row.details = {
        **alert.details,
        "slice_label": alert.slice_label or alert.details.get("slice_label"),
        "slice_value": alert.slice_value,
        "name": alert.name,
        "summary": alert.summary,
        "generator_url": alert.generator_url,
        "runbook_url": alert.runbook_url,
    }
    row.starts_at, row.ends_at = alert.starts_at, alert.ends_at


async def _ingest_keys(
    session: AsyncSession,
    keyed: list[tuple[str, list[_Item], list[tuple[Alert, bool]]]],
    *,
    incidents: dict[str | None, Incident],
    groups: dict[str, AlertGroup],
    cards: _Cards,
    config: Config,
    now: datetime,
) -> None:
    """Each key's alerts join its model's open incident, or its alert group, which is triaged again when something
    changed. The queries are per batch, not per key: a storm's forty groups cost about what one does."""
    recount: set[int] = set()
    new: list[AlertGroup] = []
    triaging: list[tuple[AlertGroup, list[IngestResult], list[tuple[Alert, bool]]]] = []
    for key, batch, rows in keyed:
        results = list({id(item.result): item.result for item in batch}.values())
        incident = incidents.get(batch[0].alert.model)
        changed = {row.group_id for row, news in rows if news and row.group_id}
        if incident is not None:
            await _attach(session, incident=incident, rows=rows, now=now, digest=True)
            for result in results:
                result.incidents.add(incident.id)  # type: ignore[arg-type]
            recount |= changed
            continue
        group = groups.get(key)
        if group is None:
            if not any(row.status == AlertStatus.FIRING for row, _ in rows):  # resolutions of a declared or closed card
                recount |= changed
                continue
            group = AlertGroup(
                key=key,
                model=batch[0].alert.model,
                severity="SEV4",
                title=_title(batch[0].alert),
                created_at=now,
                updated_at=now,
            )
            session.add(group)
            new.append(group)
        elif all(row.group_id == group.id and not news for row, news in rows) and (
            now - group.updated_at < RETRIAGE_REPEATS
        ):
            for result in results:  # repeats of alerts the card counts, triaged less than a minute ago: stored, no more
                result.groups.add(group.id)  # type: ignore[arg-type]
            continue
        triaging.append((group, results, rows))
    if new:
        await session.flush()
        await join_storm(session, config=config, groups=[g for g in new if drill_id(g.model) is None], now=now)
        for group in new:  # after the ack: the past incidents alike, for the card (bot.memory)
            if group.storm_id is None and drill_id(group.model) is None:
                subject = f"memory:group:{group.id}"
                queue(session, kind=OutboxKind.RECALL, now=now, subject=subject, group_id=group.id)
    if triaging:
        for group, _, rows in triaging:
            for row, _news in rows:
                row.group_id = group.id
                session.add(row)
        await session.flush()
        ids = [group.id for group, _, _ in triaging]
        members: dict[int | None, list[Alert]] = defaultdict(list)
        for alert in (await session.exec(select(Alert).where(col(Alert.group_id).in_(ids)))).all():
            members[alert.group_id].append(alert)
        for group, results, _ in triaging:
            await _triage(session, group, members[group.id], results, cards=cards, config=config, now=now)
    await _recount(session, recount, cards, now)


async def _triage(
    session: AsyncSession,
    group: AlertGroup,
    members: list[Alert],
    results: list[IngestResult],
    *,
    cards: _Cards,
    config: Config,
    now: datetime,
) -> None:
    """A group's severity from all its alerts; declared at once where the policy says so."""
    model = group.model
    model_config = config.model(model)
    decided = triage(
        facts_for(members, model=model_config, now=now),
        thresholds=config.triage,
        fallback=model_config.fallback if model_config else None,
    )
    group.severity, group.triage = decided.severity, decided.as_dict()
    group.firing = sum(a.status == AlertStatus.FIRING for a in members)
    group.resolved = len(members) - group.firing
    group.updated_at = now
    drill = await drill_for(session, model)  # a drill's alerts open its incident whatever the severity
    if group.firing == 0:
        group.status = AlertGroupStatus.RESOLVED
    elif (  # a model sevbot.yml does not name is never declared on its own: nobody is known to own it
        group.status == AlertGroupStatus.OPEN
        and model_config is not None
        and group.storm_id is None  # nor is one of a storm: people declare one incident for the shared cause
        and (config.policy(decided.severity).auto_declare or (drill is not None and drill.incident_id is None))
    ):
        declared = await incidents.declare(
            session,
            config=config,
            now=now,
            severity=decided.severity,
            title=mrkdwn.escape(group.title),  # the alert's plain words become an incident's Slack text
            model=model,
            declared_by=incidents.SYSTEM_ACTOR,
            auto=True,
            triage=group.triage,
            drill=drill.scenario if drill is not None else None,
            drill_speed=drill.speed if drill is not None else None,
            invite=drill.people if drill is not None else (),
        )
        if drill is not None:
            drill.incident_id = declared.id
            session.add(drill)
        group.status, group.incident_id = AlertGroupStatus.DECLARED, declared.id
        await _attach(
            session,
            incident=declared,
            rows=[(a, a.status == AlertStatus.FIRING) for a in members],
            now=now,
            digest=False,
        )
        for result in results:
            result.declared.append(declared.id)  # type: ignore[arg-type]
            result.incidents.add(declared.id)  # type: ignore[arg-type]
    session.add(group)
    if drill is None:  # a drill's alerts show in its own channel (the digest), never in the alerts channel
        if group.storm_id is not None:
            cards.storms.add(group.storm_id)
        else:
            cards.groups.add(group.id)  # type: ignore[arg-type]
    for result in results:
        result.groups.add(group.id)  # type: ignore[arg-type]


async def _recount(session: AsyncSession, group_ids: set[int], cards: _Cards, now: datetime) -> None:
    """Cards of groups that became incidents keep counting their alerts (firing, resolved) and are redrawn."""
    if not group_ids:
        return
    found = await session.exec(select(AlertGroup).where(col(AlertGroup.id).in_(group_ids)))
    statuses: dict[int | None, list[str]] = defaultdict(list)
    for group_id, status in (
        await session.exec(select(Alert.group_id, Alert.status).where(col(Alert.group_id).in_(group_ids)))
    ).all():
        statuses[group_id].append(status)
    for group in found.all():
        group.firing = sum(status == AlertStatus.FIRING for status in statuses[group.id])
        group.resolved = len(statuses[group.id]) - group.firing
        group.updated_at = now
        session.add(group)
        cards.groups.add(group.id)  # type: ignore[arg-type]


async def _attach(
    session: AsyncSession, *, incident: Incident, rows: Sequence[tuple[Alert, bool]], now: datetime, digest: bool
) -> None:
    """Alerts go onto the incident's timeline; the channel gets one threaded summary, kept up to date."""
    assert incident.id is not None
    for row, news in rows:
        row.incident_id = incident.id
        session.add(row)
        if news:
            timeline.add(
                session,
                incident_id=incident.id,
                actor=f"alert:{row.source}",
                kind=EventKind.ALERT,
                at=now,
                alert_id=row.id,
                fingerprint=row.fingerprint,
                name=row.details.get("name"),
                status=row.status,
                metric=row.metric,
                value=row.value,
                slice=row.details.get("slice_value"),
            )
    if digest and any(news for _, news in rows):
        await enqueue(session, kind=OutboxKind.ALERT_DIGEST, incident_id=incident.id, now=now)


def _title(alert: NormalizedAlert) -> str:
    """An alert group's title, plain as the alert said it (escaped when rendered)."""
    if alert.summary:
        return alert.summary[:250]
    what = f"{alert.metric} " if alert.metric and alert.metric != alert.name else ""
    return f"{alert.name}: {what}alert on {alert.model or alert.source}"[:250]
