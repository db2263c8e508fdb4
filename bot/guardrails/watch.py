"""The guardrail watch, one pass per tick: for each model with `guardrails`, ask the platform which version is the
canary; read each check for the canary and the stable version; keep the reading in `guardrail_states`; once a
breach has held `for`, consecutively, open one incident for the canary and freeze the model's deploys.

The count lives in the database (a restart or another replica continues it), and the incident is opened under a row
lock on PostgreSQL (`FOR UPDATE`), so two replicas never open two. How severe: the canary's share of traffic is the
share of requests the breach reaches — SEV2 from half the traffic, SEV3 below (a 5 % canary whose mAP drops is not a
global outage); a safety metric never below SEV2."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import incidents
from bot.access import SYSTEM_ACTOR
from bot.clock import Clock
from bot.config import Config, ModelConfig
from bot.containment.actions import ActionKind, ActionStatus, BackendFactory
from bot.guardrails.judge import judge
from bot.incidents import timeline
from bot.incidents.timeline import EventKind
from bot.metrics import MetricsError, source_for
from bot.models import Action, GuardrailState, Incident, IncidentStatus
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind, enqueue
from bot.serving import ServingError, ServingState
from bot.triage.kinds import kind_of

__all__ = ["Watch"]

log = logging.getLogger(__name__)

LOOK_BACK = timedelta(minutes=5)  # a reading is the last point of the last few minutes
STEP = timedelta(seconds=30)


def _stable(state: ServingState) -> str | None:
    """The version the canary is measured against: the live one, or the previous when the platform calls the canary
    live (SageMaker's newest variant, KServe's latest revision)."""
    return state.previous if state.canary == state.live else state.live


def severity_for(percent: float, kind: str) -> str:
    if kind == "safety":
        return "SEV2" if percent < 50 else "SEV1"
    return "SEV2" if percent >= 50 else "SEV3"


class Watch:
    def __init__(self, *, db: Database, config: Config, clock: Clock, backend_for: BackendFactory) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.backend_for = backend_for

    async def tick(self) -> list[int]:
        """One pass over the guarded models; returns the incidents it opened."""
        opened: list[int] = []
        for name, model in self.config.models.items():
            if model.guardrails is None:
                continue
            try:
                incident = await self._watch(name, model)
            except (ServingError, MetricsError) as exc:  # the platform or the store did not answer: next tick
                log.warning("guardrails of %s: %s", name, exc)
                continue
            if incident is not None:
                opened.append(incident)
        return opened

    async def _watch(self, name: str, model: ModelConfig) -> int | None:
        assert model.guardrails is not None
        state = await self.backend_for(name, model).describe()
        if not state.canary or not state.canary_percent:
            return None  # no canary taking traffic: nothing to guard
        stable = _stable(state)
        source = source_for(name, model)
        now = self.clock.now()
        readings = []
        for metric, check in model.guardrails.checks.items():
            canary_value = await self._last(source, metric, state.canary, now)
            stable_value = await self._last(source, metric, stable, now) if stable and check.max is None else None
            readings.append((metric, judge(check, canary_value, stable_value), canary_value, stable_value))
        async with self.db.session_scope() as session:
            held: GuardrailState | None = None
            for metric, reading, canary_value, stable_value in readings:
                row = await self._row(session, name, metric, state.canary)
                if reading.status == "breach":
                    row.breached_since = row.breached_since or now
                elif reading.status == "ok":
                    row.breached_since = None  # a recovery restarts the count
                row.unknown_since = (row.unknown_since or now) if reading.status == "unknown" else None
                blind = row.unknown_since is not None and now - row.unknown_since >= model.guardrails.for_
                if blind != row.blind:  # the model's open incident's card says it (or stops saying it)
                    row.blind = blind
                    await _refresh_open(session, name, now)
                row.status, row.stable, row.limit, row.checked_at = reading.status, stable, reading.limit, now
                row.canary_value, row.stable_value = canary_value, stable_value
                session.add(row)
                if row.breached_since is not None and now - row.breached_since >= model.guardrails.for_:
                    held = held or row
            if held is None:
                return None
            return await self._open(session, name, model, state, held, now)

    async def _last(self, source: object, metric: str, version: str | None, now: datetime) -> float | None:
        if source is None or version is None or not source.has(metric):  # type: ignore[attr-defined]
            return None
        series = await source.series(metric, start=now - LOOK_BACK, end=now, step=STEP, version=version)  # type: ignore[attr-defined]
        return float(series[-1][1]) if series else None

    async def _row(self, session: AsyncSession, model: str, metric: str, canary: str) -> GuardrailState:
        found = await session.exec(
            select(GuardrailState)
            .where(GuardrailState.model == model, GuardrailState.metric == metric, GuardrailState.canary == canary)
            .with_for_update()  # on PostgreSQL: one replica at a time decides for this check
        )
        row = found.first()
        if row is None:
            row = GuardrailState(
                model=model, metric=metric, canary=canary, status="unknown", checked_at=self.clock.now()
            )
            session.add(row)
            await session.flush()
        return row

    async def _open(
        self,
        session: AsyncSession,
        name: str,
        model: ModelConfig,
        state: ServingState,
        held: GuardrailState,
        now: datetime,
    ) -> int | None:
        """One incident per breached canary: none if one was opened for it already (by this replica or another)."""
        opened = await session.exec(
            select(GuardrailState.incident_id).where(
                GuardrailState.model == name,
                GuardrailState.canary == held.canary,
                col(GuardrailState.incident_id).is_not(None),
            )
        )
        if opened.first() is not None:
            return None
        assert model.guardrails is not None and held.breached_since is not None
        kind = kind_of(held.metric, model.slos[held.metric].kind if held.metric in model.slos else None)
        percent = float(state.canary_percent or 0)
        finding = {
            "code": "guardrail",
            "metric": held.metric,
            "canary": held.canary,
            "stable": held.stable,
            "canary_value": held.canary_value,
            "stable_value": held.stable_value,
            "limit": held.limit,
            "rule": next(
                k
                for k in ("max_drop", "max_increase", "max")
                if getattr(model.guardrails.checks[held.metric], k) is not None
            ),
            "since": held.breached_since.isoformat(),
            "lasted_s": (now - held.breached_since).total_seconds(),
            "percent": percent,
            "lineage": (made.lineage() if (made := state.version(held.canary)) is not None else ""),
        }
        severity = severity_for(percent, kind)
        incident = await incidents.declare(
            session,
            config=self.config,
            now=now,
            severity=severity,
            title=f"{name} canary {held.canary}: {held.metric} guardrail breached",
            model=name,
            declared_by=SYSTEM_ACTOR,
            auto=True,
            triage={"severity": severity, "findings": [finding], "actions": [], "kind": kind, "unknowns": []},
        )
        assert incident.id is not None
        held.incident_id = incident.id
        session.add(held)
        await self._chart(session, name, model, held, incident, percent, now)
        await _freeze(session, name, incident, why=f"{held.metric} guardrail breached on canary {held.canary}", now=now)
        if model.guardrails.action != "none":
            await self._count_down(session, name, model, state, held, incident, now)
        return incident.id

    async def _chart(
        self,
        session: AsyncSession,
        name: str,
        model: ModelConfig,
        held: GuardrailState,
        incident: Incident,
        percent: float,
        now: datetime,
    ) -> None:
        """Both versions' series since before the breach, kept on the timeline; the chart goes to the channel."""
        assert model.guardrails is not None and held.breached_since is not None and incident.id is not None
        source = source_for(name, model)
        start = held.breached_since - max(model.guardrails.for_, timedelta(minutes=10))
        step = max((now - start) / 120, timedelta(seconds=1))
        series: dict[str, list[list[float]]] = {}
        for which, version in (("canary", held.canary), ("stable", held.stable)):
            points = []
            if source is not None and version is not None and source.has(held.metric):
                try:
                    points = await source.series(held.metric, start=start, end=now, step=step, version=version)
                except MetricsError as exc:  # the incident opens anyway; the chart shows what it has
                    log.warning("guardrail chart of %s: %s", name, exc)
            series[which] = [[round(t, 3), v] for t, v in points[-500:]]
        slo = model.slos.get(held.metric)
        event = await timeline.record(
            session,
            incident_id=incident.id,
            actor=SYSTEM_ACTOR,
            kind=EventKind.GUARDRAIL,
            at=now,
            metric=held.metric,
            name=(slo.name if slo and slo.name else held.metric),
            canary=held.canary,
            stable=held.stable,
            limit=held.limit,
            since=held.breached_since.isoformat(),
            percent=percent,
            series_canary=series["canary"],
            series_stable=series["stable"],
        )
        await enqueue(session, kind=OutboxKind.CHART, incident_id=incident.id, now=now, event_id=event.id)

    async def _count_down(
        self,
        session: AsyncSession,
        name: str,
        model: ModelConfig,
        state: ServingState,
        held: GuardrailState,
        incident: Incident,
        now: datetime,
    ) -> None:
        """sevbot's own containment, announced with a countdown: the action waits, pending, like a person's plan
        (*Do it now* and *Cancel* are its Confirm and Cancel, for whoever may contain), and sevbot confirms it itself
        when the countdown runs out (`OutboxKind.GUARDRAIL_ACT`)."""
        assert model.guardrails is not None and incident.id is not None
        freeze = model.guardrails.action == "freeze" or held.stable is None  # no stable version: only a freeze
        kind = ActionKind.CANARY if freeze else ActionKind.ROLLBACK
        params: dict[str, object] = {"percent": 0.0} if freeze else {"to": held.stable}
        at = now + model.guardrails.countdown
        action = Action(
            incident_id=incident.id,
            kind=kind,
            model=name,
            backend=model.serving.backend,
            status=ActionStatus.PENDING,
            requested_by=SYSTEM_ACTOR,
            requested_at=now,
            version_before=state.live,
            params={
                **params,
                "guardrail": held.metric,
                "canary": held.canary,
                "countdown_until": at.isoformat(),
                "backend_name": self.backend_for(name, model).name,
            },
        )
        session.add(action)
        await session.flush()
        await timeline.record_and_post(
            session,
            incident_id=incident.id,
            actor=SYSTEM_ACTOR,
            kind=EventKind.COUNTDOWN,
            at=now,
            action_id=action.id,
            action=str(kind),
            model=name,
            metric=held.metric,
            canary=held.canary,
            stable=held.stable,
            until=at.isoformat(),
        )
        await enqueue(
            session,
            kind=OutboxKind.GUARDRAIL_ACT,
            incident_id=incident.id,
            subject=f"guardrail:{action.id}",  # its own subject: a row due later never holds the incident's back
            now=now,
            at=at,
            action_id=action.id,
        )


async def _freeze(session: AsyncSession, model: str, incident: Incident, *, why: str, now: datetime) -> None:
    """A breached guardrail holds the model's deploys (whatever its severity) until the incident ends."""
    from bot.deploys.freeze import announce_freeze

    if incident.status == IncidentStatus.RESOLVED:
        return
    await announce_freeze(session, model=model, incident=incident, why=why, now=now)


async def _refresh_open(session: AsyncSession, model: str, now: datetime) -> None:
    incident = await incidents.open_for(session, model)
    if incident is not None and incident.id is not None:
        await enqueue(session, kind=OutboxKind.REFRESH, incident_id=incident.id, now=now)
