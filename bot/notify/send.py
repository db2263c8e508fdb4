"""The outbox's route for pages, mails and tickets (`OutboxKind.NOTIFY`): each step read from its notification, sent
through its integration, its result recorded (the page sent, the issue key) with what people see on the timeline.
A refusal (401, 400, a mail server's 5xx) sets the step aside at once and says so in the incident channel; 5xx, 429
and timeouts are tried again, after `Retry-After` where given, for as long as the incident is open."""

from __future__ import annotations

import logging
import ssl
from datetime import datetime
from typing import Any

import aiohttp
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.config import Config
from bot.incidents.timeline import EventKind, record_and_post
from bot.models import SYSTEM_ACTOR, Notification, OutboxMessage, TimelineEvent
from bot.notify.credentials import Credentials, reveal
from bot.notify.jira import Jira
from bot.notify.mail import Mailer
from bot.notify.opsgenie import Opsgenie
from bot.notify.pagerduty import PagerDuty
from bot.notify.records import Op, Purpose, Via, message_id, tickets_of
from bot.notify.story import People, Story, channel_url, read_story
from bot.notify.wire import Refused, Unavailable
from bot.runtime.db import Database
from bot.runtime.outbox import Failure, NotReady, OutboxKind, Route
from bot.texts import Texts

__all__ = ["Notifier", "failure"]

log = logging.getLogger(__name__)


def failure(exc: Exception) -> Failure:
    if isinstance(exc, NotReady):
        return Failure(reason=f"NotReady: {exc}", waiting=True)
    if isinstance(exc, Refused):
        return Failure(reason=str(exc), permanent=True)
    if isinstance(exc, Unavailable):
        return Failure(reason=str(exc), retry_after_s=exc.retry_after_s)
    return Failure(reason=f"{type(exc).__name__}: {exc}")


class Notifier:
    def __init__(
        self,
        *,
        db: Database,
        config: Config,
        texts: Texts,
        clock: Clock,
        http: aiohttp.ClientSession,
        credentials: Credentials,
        people: People,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.texts = texts
        self.clock = clock
        self.people = people
        given = config.integrations
        self.pagers: dict[str, PagerDuty | Opsgenie] = {}
        if given.pagerduty:
            self.pagers[Via.PAGERDUTY] = PagerDuty(
                http=http, settings=given.pagerduty, routing_key=reveal(credentials.pagerduty_routing_key)
            )
        if given.opsgenie:
            self.pagers[Via.OPSGENIE] = Opsgenie(
                http=http, settings=given.opsgenie, api_key=reveal(credentials.opsgenie_api_key)
            )
        self.mailer = (
            Mailer(
                settings=given.email,
                username=credentials.smtp_username,
                password=reveal(credentials.smtp_password),
                tls_context=tls_context,
            )
            if given.email
            else None
        )
        self.jira = (
            Jira(http=http, settings=given.jira, user=credentials.jira_user, token=reveal(credentials.jira_token))
            if given.jira
            else None
        )

    def routes(self) -> dict[OutboxKind, Route]:
        return {OutboxKind.NOTIFY: Route(do=self.do, failure=failure)}

    async def do(self, message: OutboxMessage) -> None:
        op = Op(str(message.payload["op"]))
        async with self.db.session_scope() as session:
            notification = await session.get(Notification, int(message.payload["notification_id"]))
            if notification is None or notification.state == "failed":
                return
            story = await read_story(
                session,
                incident_id=notification.incident_id,
                config=self.config,
                texts=self.texts,
                people=self.people,
                extra_people=lambda: _mentioned(session, notification, message.payload),
                ask_slack=notification.purpose != Purpose.PAGE,
            )
            event_id = message.payload.get("event_id")
            event = await session.get(TimelineEvent, int(event_id)) if event_id else None
        earlier = message.attempts > 0
        done: dict[str, Any]
        if notification.purpose == Purpose.PAGE:
            done = await self._page(notification, op, story)
        elif notification.purpose == Purpose.MAIL:
            done = await self._mail(notification, op, story, event)
        elif notification.purpose == Purpose.TICKET:
            done = await self._ticket(notification, op, story, event, earlier=earlier)
        elif notification.purpose == Purpose.ACTION:
            done = await self._action(notification, story, event, earlier=earlier)
        else:
            raise Refused(f"no way to send a {notification.purpose} through {notification.via}")
        async with self.db.session_scope() as session:
            await self._record(session, notification, op, done, now=self.clock.now())

    async def _page(self, notification: Notification, op: Op, story: Story) -> dict[str, Any]:
        pager = self.pagers.get(notification.via)
        if pager is None:
            raise Refused(f"{notification.via} is no longer set up under integrations")
        if op == Op.OPEN:
            asked_for = notification.data.get("for")
            label = notification.data.get("for_label")
            shown = (story.people.get(asked_for) or label or asked_for) if asked_for else None
            await pager.trigger(notification, story, asked_for=shown)
            return {"state": "sent", "event": {"purpose": Purpose.PAGE, "for": asked_for}, "data": {"for_name": shown}}
        if op == Op.LINK:
            await pager.link(notification, story)
            return {}
        if op == Op.ACKNOWLEDGE:
            await pager.acknowledge(notification)
            return {"state": "acknowledged"}
        await pager.resolve(notification)
        return {"state": "resolved"}

    async def _mail(
        self, notification: Notification, op: Op, story: Story, event: TimelineEvent | None
    ) -> dict[str, Any]:
        if self.mailer is None:
            raise Refused("mail is no longer set up under integrations.email")
        first = notification.key
        if op == Op.OPEN:
            subject, text, msg_id, thread_of = story.summary, story.body, first, None
        else:
            assert event is not None, "a mail update names its timeline event"
            subject = "Re: " + str(notification.data.get("subject") or story.summary)
            text = story.render_event(self.texts, event)
            domain = first.rsplit("@", 1)[1].rstrip(">")
            msg_id, thread_of = message_id(story.incident, notification.target, domain, event.id), first
        html = self.texts.render_html(
            "notify_mail.html.j2", people=story.people, subject=subject, body=text, ref=story.ref
        )
        mail = self.mailer.compose(
            to=notification.target,
            subject=subject,
            text=text,
            html=html,
            message_id=msg_id,
            date=event.at if event is not None else story.incident.declared_at,
            thread_of=thread_of,
        )
        await self.mailer.send(mail)
        if op == Op.OPEN:
            return {"state": "sent", "data": {"subject": subject}, "event": {"purpose": Purpose.MAIL}}
        return {}

    async def _ticket(
        self, notification: Notification, op: Op, story: Story, event: TimelineEvent | None, *, earlier: bool
    ) -> dict[str, Any]:
        jira = self._jira()
        if op == Op.OPEN:
            incident = story.incident
            labels = [incident.model or "", str(incident.triage.get("kind") or ""), incident.severity]
            link = ("Open the incident in Slack", channel_url(incident.channel_id) or "")
            key = await jira.create(
                summary=story.summary,
                description=story.body,
                labels=labels,
                marker=notification.key,
                link=link if link[1] else None,
                earlier_try=earlier or notification.ref is not None,
            )
            async with self.db.session_scope() as session:  # action items ticketed before this one: linked now
                for other in await tickets_of(session, incident.id or 0):
                    if other.purpose == Purpose.ACTION and other.ref and not other.data.get("linked"):
                        await jira.link(inward=other.ref, outward=key)
                        other.data = {**other.data, "linked": key}
                        session.add(other)
            return {"state": "sent", "ref": key, "url": jira.browse(key), "event": {"purpose": Purpose.TICKET}}
        if notification.ref is None:  # the ticket was never made (refused): nothing to comment on
            return {}
        assert event is not None
        text = story.render_event(self.texts, event)
        await jira.comment(
            notification.ref, text, marker=f"[sevbot {notification.key} e{event.id}]", earlier_try=earlier
        )
        return {"state": "resolved"}

    async def _action(
        self, notification: Notification, story: Story, event: TimelineEvent | None, *, earlier: bool
    ) -> dict[str, Any]:
        jira = self._jira()
        assert event is not None, "an action item's ticket names its timeline event"
        owner = event.data.get("owner")
        account = None
        if owner:
            email = await self.people.email(owner)
            account = await jira.account_of(email) if email else None
        incident = story.incident
        who = story.people.get(event.actor, event.actor)
        description = (
            f"Action item from {story.ref} ({incident.title}), recorded by @{who} at {event.at:%Y-%m-%d %H:%M} UTC."
            + (f"\nOwner: @{story.people.get(owner, owner)}" if owner else "")
        )
        link = channel_url(incident.channel_id)
        key = await jira.create(
            summary=f"{story.ref}: {event.data.get('text', '')}",
            description=description,
            labels=[incident.model or "", "action-item"],
            marker=notification.key,
            link=("Open the incident in Slack", link) if link else None,
            assignee=account,
            earlier_try=earlier or notification.ref is not None,
        )
        data: dict[str, Any] = {"owner": owner, "assignee": account}
        async with self.db.session_scope() as session:
            parent = next((t for t in await tickets_of(session, incident.id or 0) if t.purpose == Purpose.TICKET), None)
        if parent is not None and parent.ref:
            await jira.link(inward=key, outward=parent.ref)
            data["linked"] = parent.ref
        return {
            "state": "sent",
            "ref": key,
            "url": jira.browse(key),
            "data": data,
            "event": {"purpose": Purpose.ACTION, "owner": owner, "assignee": account, "item": event.id},
        }

    def _jira(self) -> Jira:
        if self.jira is None:
            raise Refused("Jira is no longer set up under integrations.jira")
        return self.jira

    async def _record(
        self, session: AsyncSession, notification: Notification, op: Op, done: dict[str, Any], *, now: datetime
    ) -> None:
        fresh = await session.get(Notification, notification.id)
        assert fresh is not None
        first_time = fresh.sent_at is None and done.get("state") == "sent"
        if done.get("state") and fresh.state != "failed":
            fresh.state = str(done["state"])
        for name in ("ref", "url"):
            if done.get(name):
                setattr(fresh, name, str(done[name]))
        if done.get("data"):
            fresh.data = {**fresh.data, **done["data"]}
        if first_time:
            fresh.sent_at = now
        session.add(fresh)
        if first_time and op == Op.OPEN and "event" in done:
            await record_and_post(
                session,
                incident_id=fresh.incident_id,
                actor=SYSTEM_ACTOR,
                kind=EventKind.NOTIFIED,
                at=now,
                via=fresh.via,
                target=fresh.target,
                ref=fresh.ref,
                url=fresh.url,
                **{k: v for k, v in done["event"].items()},
            )

    async def report_failed(self, message: OutboxMessage, error: str) -> None:
        """A step refused for good: the notification is failed, and the incident channel is told."""
        async with self.db.session_scope() as session:
            notification = await session.get(Notification, int(message.payload.get("notification_id") or 0))
            if notification is None:
                return
            already = notification.state == "failed"
            notification.state = "failed"
            notification.error = error[:500]
            session.add(notification)
            if not already:
                await record_and_post(
                    session,
                    incident_id=notification.incident_id,
                    actor=SYSTEM_ACTOR,
                    kind=EventKind.NOTIFY_FAILED,
                    at=self.clock.now(),
                    via=notification.via,
                    purpose=notification.purpose,
                    target=notification.target,
                    op=str(message.payload.get("op")),
                    error=error[:300],
                )


async def _mentioned(session: AsyncSession, notification: Notification, payload: dict[str, Any]) -> list[str]:
    """People a step names beyond the incident's roles: whom a page is for, an action item's author and owner."""
    found = [str(notification.data["for"])] if notification.data.get("for") else []
    if payload.get("event_id"):
        event = await session.get(TimelineEvent, int(payload["event_id"]))
        if event is not None:
            found += [event.actor] + ([str(event.data["owner"])] if event.data.get("owner") else [])
    return found
