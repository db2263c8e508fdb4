"""The status update form's draft: the playbook's checklist filled in from what the database knows — owner and start
time, impact and scope, hypotheses tried, mitigations applied, verification metric and window, next update time —
so the commander edits a page instead of writing one at 3 a.m."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.alerts.facts import scope_of
from bot.config import Config
from bot.incidents import hypotheses
from bot.incidents.timeline import EventKind
from bot.models import Alert, Incident, OutboxMessage, TimelineEvent
from bot.runtime.outbox import OutboxKind
from bot.texts import Texts

__all__ = ["UpdateDraft", "draft", "people"]


@dataclass(frozen=True, kw_only=True)
class UpdateDraft:
    context: str  # the form's top line (mrkdwn): owner, start of impact, next update due
    text: str  # for "What changed": impact start, hypotheses tried, verification metric and window
    scope: str  # drafted from the firing alerts when nobody has written one
    mitigation: str  # what was written before, else the containment sevbot ran


async def people(session: AsyncSession, incident: Incident) -> set[str]:
    """Who ran containment: the draft names them (by handle, looked up before the draft is made)."""
    result = await session.exec(
        select(TimelineEvent.actor).where(
            TimelineEvent.incident_id == incident.id, TimelineEvent.kind == EventKind.ACTION
        )
    )
    return set(result.all())


async def draft(
    session: AsyncSession,
    *,
    incident: Incident,
    config: Config,
    texts: Texts,
    now: datetime,
    commander: str | None,
    names: dict[str, str],
) -> UpdateDraft:
    """`names`: handles of the people it may name (the commander, whoever ran containment)."""
    assert incident.id is not None
    alerts = (await session.exec(select(Alert).where(Alert.incident_id == incident.id))).all()
    actions = (
        await session.exec(
            select(TimelineEvent)
            .where(
                TimelineEvent.incident_id == incident.id,
                col(TimelineEvent.kind).in_([EventKind.ACTION, EventKind.VERIFICATION]),
            )
            .order_by(col(TimelineEvent.at), col(TimelineEvent.id))
        )
    ).all()
    scheduled = (
        await session.exec(
            select(OutboxMessage.next_attempt_at)
            .where(
                OutboxMessage.incident_id == incident.id,
                OutboxMessage.kind == OutboxKind.VERIFY,
                col(OutboxMessage.done_at).is_(None),
                col(OutboxMessage.failed).is_(False),
            )
            .order_by(col(OutboxMessage.next_attempt_at))
        )
    ).first()
    model = config.model(incident.model)
    starts = [a.starts_at for a in alerts if a.starts_at is not None]
    impact_start = min(starts) if starts else None
    mitigations = [e for e in actions if e.kind == EventKind.ACTION and e.data.get("status") == "succeeded"]
    text = texts.render_plain(
        "update_draft.txt.j2",
        impact_start=impact_start,
        hypotheses=await hypotheses.of(session, incident.id),
        verification=next((e for e in reversed(actions) if e.kind == EventKind.VERIFICATION), None),
        slos=model.slos if model else {},
        scheduled=scheduled,
        names=names,
    )
    context = texts.render(
        "update_form_context.md.j2",
        i=incident,
        commander=commander,
        impact_start=impact_start,
        next_update=incident.next_update_at,
    )
    mitigation = incident.mitigation or texts.render_plain(
        "update_mitigation_draft.txt.j2", mitigations=mitigations, names=names
    )
    seen = None if incident.scope else scope_of(alerts, model=model, now=now)  # the alerts read above
    scope = texts.render_plain("scope.txt.j2", scope=seen, names=names) if seen else ""
    return UpdateDraft(context=context, text=text.strip()[:2900], scope=scope, mitigation=mitigation[:1000])
