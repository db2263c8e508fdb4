"""Remembering incidents in the database, and each process's index over them.

`recollect` reads an incident's facts and words from the records (its triage, alerts, notes, hypotheses, action
items and resolution); `remember` keeps them in `incident_memory`. `Memory` is one process's `Index`, brought up to
date from the rows changed since it last looked (indexed by `updated_at`), so every replica finds what any replica
remembered. Drills are never remembered: a rehearsal is not a past incident."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.incidents.timeline import EventKind
from bot.memory.similar import Index, Recollection
from bot.models import Alert, AlertGroup, Incident, IncidentMemory, TimelineEvent
from bot.runtime.db import upsert

__all__ = ["Memory", "recollect", "recollect_group", "remember"]

TEXT_LIMIT = 20_000
WORDS = (EventKind.NOTE, EventKind.HYPOTHESIS, EventKind.HYPOTHESIS_SETTLED, EventKind.ACTION_ITEM, EventKind.RESOLVED)


def _facts_of_triage(triage: dict[str, object]) -> tuple[list[str], bool, float | None]:
    slices: list[str] = []
    drop: float | None = None
    for finding in triage.get("findings") or []:  # type: ignore[attr-defined]
        if not isinstance(finding, dict):
            continue
        if finding.get("code") in ("global", "localized"):
            slices += [str(name) for name in finding.get("names") or []]
        if isinstance(finding.get("drop"), int | float) and drop is None:
            drop = float(finding["drop"])
    actions = triage.get("actions") or []
    deployed = any(isinstance(a, dict) and a.get("code") == "rollback_first" for a in actions)  # type: ignore[attr-defined]
    return slices, deployed, drop


async def recollect(session: AsyncSession, incident: Incident) -> Recollection:
    assert incident.id is not None
    slices, deployed, drop = _facts_of_triage(incident.triage or {})
    alerts = (await session.exec(select(Alert).where(Alert.incident_id == incident.id).order_by(col(Alert.id)))).all()
    metric = next((a.metric for a in alerts if a.metric), None)
    slices += [str(a.details.get("slice_value")) for a in alerts if a.details.get("slice_value")]
    events = await session.exec(
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident.id, col(TimelineEvent.kind).in_(WORDS))
        .order_by(col(TimelineEvent.id))
    )
    words = [incident.title, incident.description, incident.impact, incident.scope, incident.summary]
    words += sorted({str(a.details.get("summary") or a.details.get("name") or "") for a in alerts})
    words += [str(e.data.get("text") or e.data.get("why") or e.data.get("summary") or "") for e in events.all()]
    return Recollection(
        incident_id=incident.id,
        declared_at=incident.declared_at,
        model=incident.model,
        kind=str((incident.triage or {}).get("kind") or "") or None,
        metric=metric,
        slices=frozenset(slices),
        deploy_before=deployed,
        drop=drop,
        text="\n".join(w for w in words if w)[:TEXT_LIMIT],
    )


async def recollect_group(session: AsyncSession, group: AlertGroup) -> Recollection:
    """An alert card not (yet) an incident, as a query: its triage, its alerts' metric, slices and summaries."""
    assert group.id is not None
    slices, deployed, drop = _facts_of_triage(group.triage or {})
    alerts = (await session.exec(select(Alert).where(Alert.group_id == group.id).order_by(col(Alert.id)))).all()
    slices += [str(a.details.get("slice_value")) for a in alerts if a.details.get("slice_value")]
    words = [group.title, *sorted({str(a.details.get("summary") or a.details.get("name") or "") for a in alerts})]
    return Recollection(
        incident_id=-group.id,  # never an incident's
        declared_at=group.created_at,
        model=group.model,
        kind=str((group.triage or {}).get("kind") or "") or None,
        metric=next((a.metric for a in alerts if a.metric), None),
        slices=frozenset(slices),
        deploy_before=deployed,
        drop=drop,
        text="\n".join(w for w in words if w)[:TEXT_LIMIT],
    )


async def remember(session: AsyncSession, incident: Incident, *, now: datetime) -> Recollection:
    """The incident's memory row, written as the records are now."""
    found = await recollect(session, incident)
    values = {
        "incident_id": found.incident_id,
        "declared_at": found.declared_at,
        "model": found.model,
        "kind": found.kind,
        "metric": (found.metric or "")[:200] or None,
        "slices": sorted(found.slices)[:200],
        "deploy_before": found.deploy_before,
        "drop": found.drop,
        "text": found.text,
        "updated_at": now,
        "similar": [],
    }
    changes = {k: v for k, v in values.items() if k not in ("incident_id", "similar")}
    await upsert(session, IncidentMemory, key="incident_id", values=values, changes=changes)
    return found


def _recollection(row: IncidentMemory) -> Recollection:
    return Recollection(
        incident_id=row.incident_id,
        declared_at=row.declared_at,
        model=row.model,
        kind=row.kind,
        metric=row.metric,
        slices=frozenset(row.slices),
        deploy_before=row.deploy_before,
        drop=row.drop,
        text=row.text,
    )


class Memory:
    """One process's index over `incident_memory`, refreshed by what changed since it last looked."""

    OVERLAP = timedelta(seconds=5)  # rows written by a transaction that committed late are read again

    def __init__(self) -> None:
        self.index = Index()
        self._seen: datetime | None = None

    async def refresh(self, session: AsyncSession) -> Index:
        query = select(IncidentMemory)
        if self._seen is not None:
            query = query.where(col(IncidentMemory.updated_at) >= self._seen - self.OVERLAP)
        rows = (await session.exec(query)).all()
        for row in rows:
            self.index.add(_recollection(row))
            if self._seen is None or row.updated_at > self._seen:
                self._seen = row.updated_at
        return self.index
