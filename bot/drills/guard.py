"""The drill guarantee, in one place: a drill never touches anything real. Every effect outside sevbot's own
records asks `real(incident)` first: pages, mails, notify-channel cards and tickets (`bot.notify`), deploy freezes
(`bot.deploys`) and the version ledger (`bot.containment.ledger`)."""

from __future__ import annotations

from bot.models import Incident

__all__ = ["real"]


def real(incident: Incident | None) -> bool:
    """Whether what happens to `incident` may reach the world: not for a drill."""
    return incident is None or incident.drill is None
