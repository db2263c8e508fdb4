"""What follows a change to an incident, registered once at start (`bot.consequences` holds the list) and run in
the same transaction as the change: the incident lifecycle names no capability that follows it (the deploy freeze,
the notify table, drills, memory), so none of them is imported behind a function and no import cycle follows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.incidents.timeline import EventKind
from bot.models import Incident

__all__ = ["FOLLOWED", "Change", "Follower", "follow", "register", "registered"]

# the changes followers hear of: declared, severity changed, acknowledged, a status update, resolved, an action item
FOLLOWED = (
    EventKind.DECLARED,
    EventKind.SEVERITY_CHANGED,
    EventKind.ACKNOWLEDGED,
    EventKind.STATUS_UPDATE,
    EventKind.RESOLVED,
    EventKind.ACTION_ITEM,
)


@dataclass(frozen=True, kw_only=True)
class Change:
    """One change to an incident, as its followers are told of it."""

    what: EventKind
    incident: Incident
    now: datetime
    config: Config | None  # None: a change that needs no configuration (an acknowledgement)
    event_id: int | None = None


Follower = Callable[[AsyncSession, Change], Awaitable[None]]

_FOLLOWERS: list[tuple[str, frozenset[EventKind], Follower]] = []


def register(name: str, follower: Follower, *, on: tuple[EventKind, ...]) -> None:
    """Add a follower of the changes `on` (once: registering the same name again replaces it)."""
    unknown = set(on) - set(FOLLOWED)
    if unknown:
        raise ValueError(f"{name}: no follower hears of {sorted(unknown)}")
    _FOLLOWERS[:] = [f for f in _FOLLOWERS if f[0] != name]
    _FOLLOWERS.append((name, frozenset(on), follower))


def registered() -> list[tuple[str, frozenset[EventKind]]]:
    """The followers in the order they run, with what each hears of (for the README and the tests)."""
    return [(name, on) for name, on, _ in _FOLLOWERS]


async def follow(session: AsyncSession, change: Change) -> None:
    """Each follower of `change.what`, in order, in the caller's transaction."""
    if not _FOLLOWERS:
        raise RuntimeError("no followers are registered: bot.consequences.install() runs at start")
    for _, on, follower in _FOLLOWERS:
        if change.what in on:
            await follower(session, change)
