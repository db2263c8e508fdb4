"""SQLite's one writer is handed out by who waits: a person's request, then an incident's own work, then bookkeeping
(alert intake's group commits, alert and storm cards, the ticks) — so a storm slows neither."""

from __future__ import annotations

import asyncio

from bot.runtime.db import Priority, _PriorityLock


async def test_the_writer_goes_to_a_person_then_an_incident_then_bookkeeping() -> None:
    lock = _PriorityLock()
    await lock.acquire(priority=Priority.BOOKKEEPING)  # a storm's group commit holds it
    served: list[str] = []

    async def wait(name: str, priority: Priority) -> None:
        await lock.acquire(priority=priority)
        served.append(name)
        lock.release()

    waiting = [
        asyncio.create_task(wait("intake", Priority.BOOKKEEPING)),
        asyncio.create_task(wait("channel", Priority.INCIDENT)),
        asyncio.create_task(wait("card", Priority.BOOKKEEPING)),
        asyncio.create_task(wait("declare", Priority.PERSON)),
    ]
    await asyncio.sleep(0)
    lock.release()
    await asyncio.gather(*waiting)
    assert served == ["declare", "channel", "intake", "card"]


async def test_a_free_writer_is_not_taken_past_someone_more_urgent_waiting() -> None:
    lock = _PriorityLock()
    await lock.acquire(priority=Priority.PERSON)
    incident = asyncio.create_task(lock.acquire(priority=Priority.INCIDENT))
    await asyncio.sleep(0)
    lock.release()  # handed to the incident's work
    await incident
    late = asyncio.create_task(lock.acquire(priority=Priority.BOOKKEEPING))
    await asyncio.sleep(0)
    assert not late.done()  # held by the incident's work
    lock.release()
    await late
    lock.release()
