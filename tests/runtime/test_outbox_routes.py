"""The outbox's route table has a handler for every kind of row: a kind added without one fails here, not at 3 a.m."""

from __future__ import annotations

from typing import Any

from bot.clock import SystemClock
from bot.config import Config
from bot.containment.jobs import ContainmentJobs
from bot.home import Homes
from bot.memory import Recall
from bot.notify import Credentials
from bot.notify.send import Notifier
from bot.runtime.outbox import OutboxKind
from bot.slack.publisher import Publisher
from bot.texts import Texts


def test_every_kind_of_row_has_its_route() -> None:
    nothing: Any = None  # the table is built without touching Slack or the database
    publisher = Publisher(client=nothing, db=nothing, config=Config(), texts=Texts(), clock=SystemClock())
    jobs = ContainmentJobs(db=nothing, config=Config(), clock=SystemClock())
    notifier = Notifier(
        db=nothing,
        config=Config(),
        texts=Texts(),
        clock=SystemClock(),
        http=nothing,
        credentials=Credentials(),
        people=nothing,
    )
    slack, beyond = publisher.routes(), notifier.routes()
    domain = {
        **jobs.routes(),
        **Homes(db=nothing, clock=SystemClock()).routes(),
        **Recall(db=nothing, clock=SystemClock()).routes(),
    }
    assert set(slack) | set(domain) | set(beyond) == set(OutboxKind)
    assert not set(slack) & set(domain), "a kind of row is done by one side only"
    assert not (set(slack) | set(domain)) & set(beyond)
    assert set(beyond) == {OutboxKind.NOTIFY}, "pages, mails and tickets never pass through Slack's route"


def test_domain_jobs_never_pass_through_slack() -> None:
    """Planning, running and verifying containment are the domain's: no Slack surface does them."""
    nothing: Any = None
    jobs = ContainmentJobs(db=nothing, config=Config(), clock=SystemClock())
    assert set(jobs.routes()) == {
        OutboxKind.PLAN_ACTION,
        OutboxKind.RUN_ACTION,
        OutboxKind.VERIFY,
        OutboxKind.GUARDRAIL_ACT,
        OutboxKind.REGISTRY_MARK,
    }
