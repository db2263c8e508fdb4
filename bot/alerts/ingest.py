"""Alerts into the database, in one transaction per request: dedup by fingerprint, at most one open incident
per model, triage of a model's alerts as a group, and automatic declaration where the policy says so.

Alertmanager repeats and retries are the norm: the same (source, fingerprint) updates one row. On PostgreSQL a
transaction-scoped advisory lock per model serialises replicas, so two of them never open two incidents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import incidents, mrkdwn
from bot.alerts.facts import facts_for
from bot.alerts.sources import NormalizedAlert
from bot.config import Config
from bot.models import Alert, AlertGroup, AlertGroupStatus, Incident, IncidentStatus
from bot.outbox import OutboxKind, enqueue, group_subject
from bot.timeline import EventKind, record
from bot.triage import triage

__all__ = ["IngestResult", "ingest"]

OPEN_GROUP = (AlertGroupStatus.OPEN, AlertGroupStatus.ACKNOWLEDGED)


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


async def ingest(
    session: AsyncSession, *, alerts: Sequence[NormalizedAlert], config: Config, now: datetime
) -> IngestResult:
    result = IngestResult()
    by_key: dict[str, list[NormalizedAlert]] = defaultdict(list)
    for alert in alerts:
        by_key[_key(alert)].append(alert)
    for key in sorted(by_key):
        if session.get_bind().dialect.name == "postgresql":
            await session.exec(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))  # type: ignore[call-overload]
        await _ingest_key(session, key=key, batch=by_key[key], config=config, now=now, result=result)
    return result


async def _upsert(
    session: AsyncSession, batch: list[NormalizedAlert], now: datetime, result: IngestResult
) -> list[tuple[Alert, bool]]:
    """Rows for the batch, each with whether it is news (new, or its status changed)."""
    wanted = {(a.source, a.fingerprint) for a in batch}
    existing = await session.exec(
        select(Alert).where(sa.tuple_(col(Alert.source), col(Alert.fingerprint)).in_(list(wanted)))
    )
    rows = {(a.source, a.fingerprint): a for a in existing.all()}
    touched: dict[tuple[str, str], tuple[Alert, bool]] = {}
    for alert in batch:
        details = {
            **alert.details,
            "slice_label": alert.slice_label or alert.details.get("slice_label"),
            "slice_value": alert.slice_value,
            "name": alert.name,
            "summary": alert.summary,
            "generator_url": alert.generator_url,
            "runbook_url": alert.runbook_url,
        }
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
        if news and alert.status == "resolved":
            result.resolved += 1
        row.status, row.metric, row.value, row.threshold = alert.status, alert.metric, alert.value, alert.threshold
        row.labels, row.details, row.updated_at = dict(alert.labels), details, now
        row.starts_at, row.ends_at = alert.starts_at, alert.ends_at
        session.add(row)
        previous = touched.get((alert.source, alert.fingerprint))
        touched[(alert.source, alert.fingerprint)] = (row, news or bool(previous and previous[1]))
    await session.flush()
    return list(touched.values())


async def _ingest_key(
    session: AsyncSession,
    *,
    key: str,
    batch: list[NormalizedAlert],
    config: Config,
    now: datetime,
    result: IngestResult,
) -> None:
    rows = await _upsert(session, batch, now, result)
    model = batch[0].model
    incident = None
    if model is not None:
        incident = (
            await session.exec(
                select(Incident)
                .where(Incident.model == model, Incident.status != IncidentStatus.RESOLVED)
                .order_by(col(Incident.id).desc())
            )
        ).first()
    if incident is not None:
        await _attach(session, incident=incident, rows=rows, now=now, digest=True)
        result.incidents.add(incident.id)  # type: ignore[arg-type]
        return
    group = (
        await session.exec(
            select(AlertGroup)
            .where(AlertGroup.key == key, col(AlertGroup.status).in_(OPEN_GROUP))
            .order_by(col(AlertGroup.id).desc())
        )
    ).first()
    if group is None:
        if not any(row.status == "firing" for row, _ in rows):
            return  # a resolution for alerts we no longer hold open: stored, nothing to show
        group = AlertGroup(
            key=key, model=model, severity="SEV4", title=_title(batch[0]), created_at=now, updated_at=now
        )
        session.add(group)
        await session.flush()
    for row, _ in rows:
        row.group_id = group.id
        session.add(row)
    await session.flush()
    members = (await session.exec(select(Alert).where(Alert.group_id == group.id))).all()
    model_config = config.model(model)
    decided = triage(
        facts_for(members, model=model_config, now=now),
        thresholds=config.triage,
        fallback=model_config.fallback if model_config else None,
    )
    group.severity, group.triage = decided.severity, decided.as_dict()
    group.firing = sum(a.status == "firing" for a in members)
    group.resolved = len(members) - group.firing
    group.updated_at = now
    if group.firing == 0:
        group.status = AlertGroupStatus.RESOLVED
    elif group.status == AlertGroupStatus.OPEN and config.policy(decided.severity).auto_declare:
        known = model if model_config is not None else None
        declared = await incidents.declare(
            session,
            config=config,
            now=now,
            severity=decided.severity,
            title=group.title,
            model=known,
            declared_by=incidents.SYSTEM_ACTOR,
            auto=True,
            triage=group.triage,
        )
        group.status, group.incident_id = AlertGroupStatus.DECLARED, declared.id
        await _attach(
            session, incident=declared, rows=[(a, a.status == "firing") for a in members], now=now, digest=False
        )
        result.declared.append(declared.id)  # type: ignore[arg-type]
        result.incidents.add(declared.id)  # type: ignore[arg-type]
    session.add(group)
    await enqueue(session, kind=OutboxKind.ALERT_CARD, now=now, subject=group_subject(group.id), group_id=group.id)  # type: ignore[arg-type]
    result.groups.add(group.id)  # type: ignore[arg-type]


async def _attach(
    session: AsyncSession, *, incident: Incident, rows: Sequence[tuple[Alert, bool]], now: datetime, digest: bool
) -> None:
    """Alerts go onto the incident's timeline; the channel gets one threaded summary, kept up to date."""
    assert incident.id is not None
    for row, news in rows:
        row.incident_id = incident.id
        session.add(row)
        if news:
            await record(
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
    """Titles are stored as safe mrkdwn, like people's text: alert text is escaped once, here."""
    if alert.summary:
        return mrkdwn.escape(alert.summary[:250])
    what = f"{alert.metric} " if alert.metric and alert.metric != alert.name else ""
    return mrkdwn.escape(f"{alert.name}: {what}alert on {alert.model or alert.source}"[:250])
