"""Who looks at App Home, and keeping their homes current. Opening the tab (or turning its page) records the person
and queues their home; any change to an incident (everything that refreshes its card) queues one `HOMES` row,
which queues a home for each person who opened theirs in the last `RECENT`. All of it goes through the outbox, so a
home is published after the change is stored, once per burst of changes (the rows coalesce), whichever replica."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import HomeView
from bot.runtime.db import upsert
from bot.runtime.outbox import OutboxKind, enqueue, queue

__all__ = ["RECENT", "follow", "home_subject", "opened", "page_of", "turn_page"]

RECENT = timedelta(hours=24)
MOST_FOLLOWED = 500  # homes kept current at once; the others are drawn fresh when next opened


def home_subject(user: str) -> str:
    return f"home:{user}"


async def _upsert(session: AsyncSession, *, user: str, now: datetime, page: int | None) -> None:
    changes: dict[str, object] = {"opened_at": now}
    if page is not None:
        changes["page"] = page
    values: dict[str, object] = {"user_id": user, "opened_at": now, "page": page or 0}
    await upsert(session, HomeView, key="user_id", values=values, changes=changes)


async def opened(session: AsyncSession, *, user: str, now: datetime) -> None:
    """The person opened the tab: their home is drawn as things are now, at the page they were on."""
    await _upsert(session, user=user, now=now, page=None)
    await enqueue(session, kind=OutboxKind.HOME, now=now, subject=home_subject(user), user=user)


async def turn_page(session: AsyncSession, *, user: str, page: int, now: datetime) -> None:
    await _upsert(session, user=user, now=now, page=max(0, min(page, 10_000)))
    await enqueue(session, kind=OutboxKind.HOME, now=now, subject=home_subject(user), user=user)


async def page_of(session: AsyncSession, user: str) -> int:
    view = await session.get(HomeView, user)
    return view.page if view is not None else 0


async def follow(session: AsyncSession, *, now: datetime) -> int:
    """The `HOMES` row: a home for each recent viewer (their rows coalesce with any already queued); how many."""
    viewers = await session.exec(
        select(HomeView.user_id)
        .where(col(HomeView.opened_at) >= now - RECENT)
        .order_by(col(HomeView.opened_at).desc())
        .limit(MOST_FOLLOWED)
    )
    users = list(viewers.all())
    for user in users:
        queue(session, kind=OutboxKind.HOME, now=now, subject=home_subject(user), user=user)
    await session.flush()
    return len(users)
