"""What the pager says back about a page sevbot sent: acknowledged there is acknowledged here (escalation stops),
resolved or reassigned there is on the timeline. Each of the pager's events is taken once (it retries deliveries)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.incidents.records import tell_channel
from bot.incidents.timeline import EventKind, record
from bot.models import Incident, IncidentStatus, Notification
from bot.notify.records import Purpose

__all__ = ["pager_said"]

SEEN_KEPT = 50  # the pager's event ids remembered per page, for its retried deliveries


async def pager_said(
    session: AsyncSession,
    *,
    via: str,
    key: str,
    status: str,
    event_id: str,
    who: str | None,
    assignees: list[str],
    url: str | None,
    now: datetime,
) -> str:
    """Records what the pager said of the page with dedup key `key`; returns what was done, for the answer."""
    page = (
        await session.exec(
            select(Notification).where(
                Notification.via == via, Notification.purpose == Purpose.PAGE, Notification.key == key
            )
        )
    ).first()
    if page is None:
        return "ignored: not a page sevbot sent"
    seen = list(page.data.get("seen") or [])
    if event_id and event_id in seen:
        return "ignored: already recorded"
    page.data = {**page.data, "seen": [*seen, event_id][-SEEN_KEPT:]}
    incident = await session.get(Incident, page.incident_id)
    assert incident is not None
    became_ack = False
    if status == "acknowledged":
        page.state = "acknowledged"
        if incident.acknowledged_at is None and incident.status != IncidentStatus.RESOLVED:
            incident.acknowledged_at = now
            incident.acknowledged_by = f"app:{_NAMES.get(via, via)}"
            became_ack = True
            session.add(incident)
    elif status == "resolved":
        page.state = "resolved"
    session.add(page)
    event = await record(
        session,
        incident_id=page.incident_id,
        actor=f"app:{_NAMES.get(via, via)}",
        kind=EventKind.PAGER,
        at=now,
        via=via,
        status=status,
        who=(who or "")[:200],
        assignees=[a[:100] for a in assignees][:10],
        url=url,
        became_ack=became_ack,
    )
    await tell_channel(session, incident_id=page.incident_id, now=now, event_id=event.id)
    return f"recorded on INC-{page.incident_id}"


_NAMES = {"pagerduty": "PagerDuty", "opsgenie": "Opsgenie"}
