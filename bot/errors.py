"""Errors a person can act on: raised by the domain, shown to the user as an ephemeral message."""

from __future__ import annotations

__all__ = ["UserError"]


class UserError(Exception):
    """Something the user asked for cannot be done; the message says what and why. Nothing was changed."""

    def __init__(self, message: str, *, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage
