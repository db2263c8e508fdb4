"""Pages before everything: with every slot of the outbox busy on Slack rows that do not come back (Slack hanging),
a page is still claimed and sent beside them, and it is claimed before older Slack rows when slots are scarce."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.clock import SystemClock
from bot.models import OutboxMessage
from bot.runtime.db import Database
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.outbox import Failure, OutboxKind, Route, enqueue


async def test_a_page_goes_while_every_slot_waits_on_slack(db: Database) -> None:
    slack_back = asyncio.Event()
    paged = asyncio.Event()
    both_busy = asyncio.Event()
    order: list[str] = []

    async def slack(message: OutboxMessage) -> None:
        order.append(message.subject)
        if len(order) == 2:
            both_busy.set()
        await slack_back.wait()  # Slack does not answer

    async def page(message: OutboxMessage) -> None:
        order.append(message.subject)
        paged.set()

    failure = lambda exc: Failure(reason=str(exc))  # noqa: E731
    routes = {OutboxKind.REFRESH: Route(do=slack, failure=failure), OutboxKind.NOTIFY: Route(do=page, failure=failure)}
    now = datetime.now(UTC)
    async with db.session_scope() as session:
        for n in range(5):  # five incidents' Slack work, older than the page
            await enqueue(session, kind=OutboxKind.REFRESH, now=now, subject=f"incident:{n}")
    dispatcher = Dispatcher(db=db, routes=routes, clock=SystemClock(), concurrency=2)
    draining = asyncio.create_task(dispatcher.drain())
    try:
        await asyncio.wait_for(both_busy.wait(), timeout=5)  # both slots taken by Slack rows that hang
        async with db.session_scope() as session:
            await enqueue(session, kind=OutboxKind.NOTIFY, now=now, subject="notify:1")
        dispatcher.wake()
        await asyncio.wait_for(paged.wait(), timeout=5)
        assert order == ["incident:0", "incident:1", "notify:1"]  # beside the hanging ones, ahead of the rest
    finally:
        slack_back.set()
        await asyncio.wait_for(draining, timeout=10)
    assert sorted(order) == sorted([*(f"incident:{n}" for n in range(5)), "notify:1"])
