"""What is owed beyond the incident channel, and when: the severity's notify table at declaration and when the
severity rises (pages, notify-channel cards, mails, a ticket), the pages acknowledged and resolved with the incident,
the mails' updates threaded under the first, the ticket commented at the end, action items as tickets of their own.

Each is a `Notification` row written with the change that owes it, and one outbox row per step (`OutboxKind.NOTIFY`
for the pager, mail and tracker, `NOTIFY_CARD` for Slack) whose subject is the notification alone: a page waits for
nothing in Slack, and one notification's steps (trigger, acknowledge, resolve) go in order."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config, SeverityPolicy
from bot.incidents.timeline import EventKind
from bot.models import Incident, IncidentStatus, Notification, OutboxMessage
from bot.runtime.outbox import OutboxKind, queue
from bot.world import real

__all__ = [
    "Op",
    "Purpose",
    "Via",
    "channel_opened",
    "follow_incident",
    "notifications_of",
    "pages_of",
    "queue_step",
    "ticket_action_item",
    "tickets_of",
]


CHANNEL_GRACE = timedelta(minutes=1)  # how long a card, mail or ticket waits for the incident channel it links


class Via(StrEnum):
    PAGERDUTY = "pagerduty"
    OPSGENIE = "opsgenie"
    EMAIL = "email"
    JIRA = "jira"
    SLACK = "slack"


class Purpose(StrEnum):
    PAGE = "page"  # the severity's page (one per pager), or `/incident page` (target: its number)
    MAIL = "mail"  # a thread to one address
    CARD = "card"  # a short card in a notify channel, kept current
    TICKET = "ticket"  # the incident's ticket
    ACTION = "action"  # an action item's ticket (target: the action item's timeline event)


class Op(StrEnum):
    OPEN = "open"  # trigger the page, send the first mail, post the card, create the ticket
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"  # resolve the page; comment the ticket
    UPDATE = "update"  # a mail threaded under the first (an update, a severity change, the resolution)
    LINK = "link"  # a page sent before the incident channel existed: the channel's link added to it


def stamp(incident: Incident) -> str:
    return incident.declared_at.strftime("%Y%m%dT%H%M%SZ")


def page_key(incident: Incident, n: int | None = None) -> str:
    """The page's dedup key (PagerDuty) or alias (Opsgenie): the incident, so a retry is the same page and
    resolving the incident resolves it. `/incident page` pages again under a key of its own."""
    base = f"sevbot-INC-{incident.id}-{stamp(incident)}"
    return f"{base}-page-{n}" if n else base


def ticket_marker(incident: Incident, event_id: int | None = None) -> str:
    """A label the ticket carries, so a create whose answer was lost is found instead of made twice."""
    base = f"sevbot-inc-{incident.id}-{stamp(incident).lower()}"
    return f"{base}-a{event_id}" if event_id else base


def message_id(incident: Incident, address: str, domain: str, event_id: int | None = None) -> str:
    who = hashlib.sha1(address.lower().encode()).hexdigest()[:10]
    step = f".e{event_id}" if event_id else ""
    return f"<sevbot.inc-{incident.id}.{stamp(incident).lower()}.{who}{step}@{domain}>"


def _wanted(config: Config, policy: SeverityPolicy) -> list[tuple[Via, Purpose, str]]:
    wanted: list[tuple[Via, Purpose, str]] = [(Via(pager), Purpose.PAGE, "") for pager in policy.page]
    wanted += [(Via.SLACK, Purpose.CARD, channel) for channel in policy.channels]
    if config.integrations.email is not None:
        wanted += [(Via.EMAIL, Purpose.MAIL, address.lower()) for address in policy.email]
    if policy.ticket == "jira":
        wanted.append((Via.JIRA, Purpose.TICKET, ""))
    return wanted


async def notifications_of(session: AsyncSession, incident_id: int) -> list[Notification]:
    found = await session.exec(
        select(Notification).where(Notification.incident_id == incident_id).order_by(col(Notification.id))
    )
    return list(found.all())


async def pages_of(session: AsyncSession, incident_id: int) -> list[Notification]:
    return [n for n in await notifications_of(session, incident_id) if n.purpose == Purpose.PAGE]


async def tickets_of(session: AsyncSession, incident_id: int) -> list[Notification]:
    """The incident's ticket and its action items', created or not yet."""
    return [n for n in await notifications_of(session, incident_id) if n.via == Via.JIRA]


def queue_step(
    session: AsyncSession,
    notification: Notification,
    op: Op,
    *,
    now: datetime,
    at: datetime | None = None,
    **payload: Any,
) -> None:
    """One step of a notification, in its own order: a page's or a mail's steps follow each other and nothing else;
    an incident's Jira steps follow each other (an action item's issue links to the incident's once it exists)."""
    kind = OutboxKind.NOTIFY_CARD if notification.via == Via.SLACK else OutboxKind.NOTIFY
    subject = f"notify:jira:{notification.incident_id}" if notification.via == Via.JIRA else f"notify:{notification.id}"
    queue(
        session,
        kind=kind,
        now=now,
        incident_id=notification.incident_id,
        subject=subject,
        at=at,
        notification_id=notification.id,
        op=str(op),
        **payload,
    )


def new_notification(
    session: AsyncSession, incident: Incident, *, config: Config, via: Via, purpose: Purpose, target: str, now: datetime
) -> Notification:
    assert incident.id is not None
    if purpose == Purpose.PAGE:
        key = page_key(incident, int(target) if target else None)
    elif via == Via.EMAIL:
        assert config.integrations.email is not None
        key = message_id(incident, target, config.integrations.email.from_.rsplit("@", 1)[1])
    elif via == Via.JIRA:
        key = ticket_marker(incident, int(target) if target else None)
    else:
        key = f"sevbot-INC-{incident.id}-{target}"
    notification = Notification(
        incident_id=incident.id, via=via, purpose=purpose, target=target, key=key, created_at=now
    )
    session.add(notification)
    return notification


async def follow_incident(
    session: AsyncSession,
    *,
    config: Config | None,
    incident: Incident,
    now: datetime,
    what: EventKind,
    event_id: int | None = None,
    by_pager: bool = False,
) -> None:
    """After a change to the incident: what its notify table owes now. `what` is the change (declared, severity
    changed, acknowledged, a status update, resolved); `by_pager` when the pager itself said it (not sent back).
    Without `config` (an acknowledgement), only what was already sent is followed up."""
    if incident.id is None or not real(incident):  # a drill pages, mails, posts and tickets nobody
        return
    existing = await notifications_of(session, incident.id)
    have = {(n.via, n.purpose, n.target) for n in existing}
    opened: list[Notification] = []
    opening = what in (EventKind.DECLARED, EventKind.SEVERITY_CHANGED) and incident.status != IncidentStatus.RESOLVED
    if config is not None and opening:
        for via, purpose, target in _wanted(config, config.policy(incident.severity)):
            if (via, purpose, target) not in have:
                opened.append(
                    new_notification(session, incident, config=config, via=via, purpose=purpose, target=target, now=now)
                )
        if opened:
            await session.flush()
        for notification in opened:
            # a page goes at once; a card, mail or ticket links the incident channel, so it waits for it (pulled
            # forward by `channel_opened`), a minute at most: Slack being down delays nothing else for long
            waits = notification.purpose != Purpose.PAGE and incident.channel_id is None
            queue_step(session, notification, Op.OPEN, now=now, at=now + CHANNEL_GRACE if waits else None)
    live = [n for n in existing if n.state != "failed"]
    for n in live:
        if n.purpose == Purpose.PAGE and what == EventKind.ACKNOWLEDGED and not by_pager and n.state in _OPEN_PAGE:
            queue_step(session, n, Op.ACKNOWLEDGE, now=now)
        elif n.purpose == Purpose.PAGE and what == EventKind.RESOLVED and n.state not in ("resolved",):
            queue_step(session, n, Op.RESOLVE, now=now)
        elif n.purpose == Purpose.MAIL and event_id is not None and what in _MAILED:
            queue_step(session, n, Op.UPDATE, now=now, event_id=event_id)
        elif n.purpose == Purpose.TICKET and what == EventKind.RESOLVED and event_id is not None:
            queue_step(session, n, Op.RESOLVE, now=now, event_id=event_id)


_OPEN_PAGE = frozenset({"queued", "sent"})
_MAILED = frozenset({EventKind.SEVERITY_CHANGED, EventKind.STATUS_UPDATE, EventKind.RESOLVED})


async def ticket_action_item(
    session: AsyncSession, *, config: Config, incident: Incident, event_id: int, now: datetime
) -> None:
    """With Jira set up, an action item is a ticket of its own, linked to the incident's when it has one."""
    if config.integrations.jira is None or incident.id is None or not real(incident):
        return
    notification = new_notification(
        session, incident, config=config, via=Via.JIRA, purpose=Purpose.ACTION, target=str(event_id), now=now
    )
    await session.flush()
    queue_step(session, notification, Op.OPEN, now=now, event_id=event_id)


async def channel_opened(session: AsyncSession, *, incident_id: int, now: datetime) -> None:
    """The incident channel exists: the cards, mails and tickets waiting to link it go now, and a page that went
    before it (a page never waits for Slack) gets its link (PagerDuty: the same dedup key again; Opsgenie: a note)."""
    await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.incident_id) == incident_id,
            col(OutboxMessage.kind).in_([OutboxKind.NOTIFY, OutboxKind.NOTIFY_CARD]),
            col(OutboxMessage.done_at).is_(None),
            col(OutboxMessage.next_attempt_at) > now,
            col(OutboxMessage.attempts) == 0,
        )
        .values(next_attempt_at=now)
    )
    for page in await pages_of(session, incident_id):
        if page.state in _OPEN_PAGE:
            queue_step(session, page, Op.LINK, now=now)
