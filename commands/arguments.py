"""Turning typed arguments into validated values; errors name what was wrong."""

from __future__ import annotations

import re
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.errors import Problem, UserError

__all__ = ["first_word", "label_of", "parse", "person_or_group", "user_ref"]

M = TypeVar("M", bound=BaseModel)
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,})$")


def first_word(text: str) -> tuple[str, str]:
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def user_ref(token: str) -> str:
    """`<@U123|alice>` (how Slack sends a mention) or a bare `U123`."""
    match = _USER.match(token.strip())
    if match is None:
        raise UserError(Problem.NOT_A_PERSON, token=token)
    return match.group(1) or match.group(2)


_GROUP = re.compile(r"^<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>$|^(S[A-Z0-9]{2,})$")


def person_or_group(token: str) -> str:
    """A person as `user_ref` reads one, or a user group: `<!subteam^S123|@oncall>` or a bare `S123`."""
    match = _GROUP.match(token.strip())
    if match is not None:
        return match.group(1) or match.group(2)
    return user_ref(token)


def label_of(token: str) -> str | None:
    """The name Slack wrote into a mention (`<@U123|erin>` → erin; a group's `@ml-oncall` → ml-oncall)."""
    match = re.match(r"^<[@!][^|>]*\|@?([^>]+)>$", token.strip())
    return match.group(1) if match else None


def parse(schema: type[M], /, **values: object) -> M:
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "arguments"
        detail = first["msg"].removeprefix("Value error, ")
        raise UserError(Problem.INVALID_ARGUMENT, field=name, detail=detail) from None
