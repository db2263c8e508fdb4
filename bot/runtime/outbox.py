"""The outbox: work owed, written in the same transaction as the change that owes it — Slack posts, and the
domain's own jobs (planning, running and verifying containment).

The route table (`Routes`) says, for each kind of row, who does it and how its failures are read: the domain's jobs
go to the domain (`bot.containment.jobs`), what people see goes to the Slack surfaces (`bot.slack.routes`). The
dispatcher (`bot.runtime.dispatcher`) claims due rows with a lease, so several replicas never do the same row at
once, and works through each subject's rows in order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import OutboxMessage

__all__ = [
    "BOOKKEEPING",
    "COALESCING",
    "MISSED",
    "URGENT",
    "Failure",
    "NotReady",
    "OutboxKind",
    "Route",
    "Routes",
    "enqueue",
    "group_subject",
    "incident_subject",
    "job_failure",
    "queue",
]


class OutboxKind(StrEnum):
    OPEN_CHANNEL = "open_channel"  # create the incident channel (idempotent), invite the first members
    INVITE = "invite"  # invite users to the incident channel
    REFRESH = "refresh"  # post or update the pinned card and the topic from the incident's current state
    BOOKMARKS = "bookmarks"  # runbook and dashboard bookmarks
    POST_EVENT = "post_event"  # post a timeline event's message to the incident or announcements channel
    ALERT_DIGEST = "alert_digest"  # the one threaded summary of an incident's alerts, posted or updated
    ALERT_CARD = "alert_card"  # an alert group's card in the alerts channel, posted or updated
    STORM_CARD = "storm_card"  # an alert storm's one card and its thread listing the groups
    PLAN_ACTION = "plan_action"  # ask the serving platform what is live and work out the plan (domain)
    SHOW_PLAN = "show_plan"  # show the person who asked the plan with Confirm / Cancel, or the versions to pick from
    RUN_ACTION = "run_action"  # run a confirmed containment action once; its result is a timeline event (domain)
    VERIFY = "verify"  # check a model's SLOs against the metrics backend; the verdicts are a timeline event (domain)
    GUARDRAIL_ACT = "guardrail_act"  # a guardrail's countdown ran out: sevbot confirms its own action, once (domain)
    SETTLE_COUNTDOWN = "settle_countdown"  # the countdown's message says it ran out, its buttons gone
    CHART = "chart"  # upload a verification's chart (PNG) to the incident channel
    NOTICE = "notice"  # a direct message telling one person what could not be done (the declarer, privately)
    ESCALATE = "escalate"  # the direct message of an escalation step to one person it names
    POSTMORTEM = "postmortem"  # render the postmortem from the timeline, upload it with the chart, summarise
    NOTIFY = "notify"  # one step of a page, mail or ticket (`bot.notify`): never behind Slack's rows
    NOTIFY_CARD = "notify_card"  # a notify channel's short card linking the incident channel (Slack)
    REGISTRY_MARK = "registry_mark"  # a version's verdict written where its platform keeps it (MLflow tags) (domain)
    HOMES = "homes"  # something changed: queue a HOME for each person who opened App Home recently (domain)
    HOME = "home"  # publish one person's App Home as things are now (views.publish)
    DIGEST = "digest"  # the weekly insights digest, posted in the announcements channel
    RECALL = "recall"  # find the past incidents most like a new one, for its card (domain)
    CATCHUP = "catchup"  # the catch-up, privately, to someone who joined the incident's channel late
    REMEMBER = "remember"  # a resolved incident remembered with what it learnt; a recurrence said (domain)


class NotReady(Exception):
    """A step waits for an earlier one (the channel does not exist yet); retried later."""


@dataclass(frozen=True, kw_only=True)
class Failure:
    """Why a row failed, as the side that did the work (Slack's) understands it; the dispatcher decides from this
    alone when to try again."""

    reason: str  # for the log and the row's last_error: "Slack said restricted_action"
    retry_after_s: float | None = None  # wait at least this long (a rate limit)
    waiting: bool = False  # waits for something that will come (a rate limit's end, an earlier step): never given up
    permanent: bool = False  # a refusal a retry will not change: set the row aside at once
    workspace: bool = False  # the whole workspace fails (a bad token): never set aside, keep trying


@dataclass(frozen=True, kw_only=True)
class Route:
    """How one kind of row is done (`do`), and how the side that does it reads its failures (`failure`): the
    dispatcher decides from that `Failure` alone when to try again."""

    do: Callable[[OutboxMessage], Awaitable[None]]
    failure: Callable[[Exception], Failure]


Routes = Mapping[OutboxKind, Route]


def job_failure(exc: Exception) -> Failure:
    """A domain job's failure: one waiting for an earlier step waits; anything else (the database, a platform that
    did not answer) is tried again with backoff. The jobs record what people must hear (a failed plan or run) on the
    timeline themselves, so nothing they raise is a refusal."""
    if isinstance(exc, NotReady):
        return Failure(reason=f"NotReady: {exc}", waiting=True)
    return Failure(reason=f"{type(exc).__name__}: {exc}")


# Pages, mails and tickets: claimed before anything else, so a Slack outage or a storm never delays a page.
URGENT = frozenset({OutboxKind.NOTIFY})

# Cards of alerts not (yet) an incident's: done after an incident's own rows, and their transactions wait behind them.
BOOKKEEPING = frozenset(
    {
        OutboxKind.ALERT_CARD,
        OutboxKind.STORM_CARD,
        OutboxKind.HOMES,
        OutboxKind.HOME,
        OutboxKind.RECALL,
        OutboxKind.REMEMBER,
    }
)

# These render the current state when they run, so one run does every such row queued behind it.
COALESCING = frozenset(
    {
        OutboxKind.REFRESH,
        OutboxKind.ALERT_DIGEST,
        OutboxKind.ALERT_CARD,
        OutboxKind.STORM_CARD,
        OutboxKind.HOMES,
        OutboxKind.HOME,
    }
)

HOMES_SUBJECT = "homes"
# A new incident (its channel) and any change to one (its card): App Home shows both.
CHANGES_HOMES = frozenset({OutboxKind.OPEN_CHANNEL, OutboxKind.REFRESH})


def incident_subject(incident_id: int) -> str:
    return f"incident:{incident_id}"


def group_subject(group_id: int) -> str:
    return f"alert-group:{group_id}"


async def enqueue(
    session: AsyncSession,
    *,
    kind: OutboxKind,
    now: datetime,
    incident_id: int | None = None,
    subject: str | None = None,
    at: datetime | None = None,
    **payload: Any,
) -> OutboxMessage:
    """Rows of one subject (by default the incident) are done in order; `subject` names another, e.g. a card.
    `at` schedules the row for later (it is done once it falls due, even after a restart)."""
    message = queue(session, kind=kind, now=now, incident_id=incident_id, subject=subject, at=at, **payload)
    await session.flush()
    return message


def queue(
    session: AsyncSession,
    *,
    kind: OutboxKind,
    now: datetime,
    incident_id: int | None = None,
    subject: str | None = None,
    at: datetime | None = None,
    **payload: Any,
) -> OutboxMessage:
    """`enqueue` without the flush: for a transaction that queues many rows and flushes once. A new incident, and
    whatever refreshes an incident's card, change what App Home shows too: a `HOMES` row follows (they coalesce)."""
    if subject is None:
        subject = incident_subject(incident_id) if incident_id is not None else ""
    message = OutboxMessage(
        incident_id=incident_id, subject=subject, kind=kind, payload=payload, created_at=now, next_attempt_at=at or now
    )
    session.add(message)
    if kind in CHANGES_HOMES:
        session.add(
            OutboxMessage(subject=HOMES_SUBJECT, kind=OutboxKind.HOMES, payload={}, created_at=now, next_attempt_at=now)
        )
    return message


MISSED = frozenset({OutboxKind.BOOKMARKS, OutboxKind.INVITE, OutboxKind.OPEN_CHANNEL, OutboxKind.REFRESH})
"""Steps people would notice were missing: the channel is told when Slack refuses them for good (the timeline
event's template says which)."""
