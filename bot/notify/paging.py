"""`/incident page [<@user>|<S…>]`: page now through the configured pager, for whoever may coordinate. Each is a page
of its own (its own dedup key), recorded on the timeline before the pager is called."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.access import Directory, may_coordinate
from bot.config import Config
from bot.errors import Problem, UserError
from bot.incidents.records import check_open
from bot.incidents.timeline import EventKind, record_and_post
from bot.models import Incident, Notification
from bot.notify.records import Op, Purpose, Via, new_notification, notifications_of, queue_step
from bot.world import real

__all__ = ["page_now"]


async def page_now(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    incident: Incident,
    user: str,
    target: str | None,
    now: datetime,
    target_label: str | None = None,
) -> Notification:
    """`target_label` is the name the mention carried (`erin`): the pager shows it without asking Slack."""
    check_open(incident)
    if not real(incident):
        raise UserError(Problem.DRILL_TOUCHES_NOTHING, step="page", incident=incident.id)
    pagers = config.integrations.pagers()
    if not pagers:
        raise UserError(Problem.NO_PAGER)
    if not await may_coordinate(session, config=config, directory=directory, incident=incident, user=user):
        raise UserError(Problem.NOT_COORDINATING, step="page", incident=incident.id, model=incident.model)
    assert incident.id is not None
    manual = [n for n in await notifications_of(session, incident.id) if n.purpose == Purpose.PAGE and n.target]
    notification = new_notification(
        session, incident, config=config, via=Via(pagers[0]), purpose=Purpose.PAGE, target=str(len(manual) + 1), now=now
    )
    notification.data = {"by": user, "for": target, "for_label": target_label}
    await session.flush()
    queue_step(session, notification, Op.OPEN, now=now)
    await record_and_post(
        session,
        incident_id=incident.id,
        actor=user,
        kind=EventKind.PAGED,
        at=now,
        via=notification.via,
        target=target,
        key=notification.key,
    )
    return notification
