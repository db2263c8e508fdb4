"""What Slack would show literally where a mention was meant: `&lt;@U0004&gt;` is the text `<@U0004>`, not a
mention of dave. The scenario tests look for it in everything the bot sent (messages, their blocks, views and
homes), so text escaped twice fails where a person would see it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.tryout.emulator.state import Workspace

__all__ = ["escaped_entities"]

_ESCAPED = re.compile(r"&lt;(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+|!subteam\^S[A-Z0-9]+)(?:\|[^&]*)?&gt;")


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def escaped_entities(workspace: Workspace) -> list[str]:
    """Each escaped mention, channel or group the bot sent, with where it was (empty: none)."""
    found: list[str] = []
    for channel in workspace.channels.values():
        for message in channel.messages:
            if message.user != workspace.bot.id:
                continue
            for text in _texts([message.text, message.blocks]):
                found += [
                    f"#{channel.name} {message.ts}: {m.group(0)} in {text[:120]!r}" for m in _ESCAPED.finditer(text)
                ]
    for where, views in (("view", workspace.views), ("home", workspace.homes)):
        for key, view in views.items():
            for text in _texts(view):
                found += [f"{where} {key}: {m.group(0)} in {text[:120]!r}" for m in _ESCAPED.finditer(text)]
    return found
