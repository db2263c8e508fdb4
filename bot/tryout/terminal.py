"""Slack's mrkdwn as a terminal shows it: bold, italics, code and strike-through as styles, emoji as characters,
links as their words with the address after. Through rich: a terminal gets the styles, a pipe or a file plain text
(nothing is wrapped or cut). Mentions and entities are already resolved by the emulator's transcript."""

from __future__ import annotations

import re
from typing import TextIO

from rich.console import Console
from rich.emoji import Emoji
from rich.markup import escape
from rich.text import Text

__all__ = ["plain", "show"]

EXTRA_EMOJI = {"large_green_circle": "🟢", "large_yellow_circle": "🟡", "large_orange_circle": "🟠"}
_STYLES = [
    (re.compile(r"<(https?://[^|>\s]+)\|([^>]+)>"), r"\2 (\1)"),  # a link with words
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),
    (re.compile(r"(?<![\w*\\])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"[bold]\1[/bold]"),
    (re.compile(r"(?<![\w_\\])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), r"[italic]\1[/italic]"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), r"[strike]\1[/strike]"),
]
_CODE = re.compile(r"`([^`\n]+)`")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")


def _markup(text: str) -> str:
    """rich markup for mrkdwn: code spans kept literal, the rest styled, emoji replaced."""
    parts = _CODE.split(escape(text))
    for n in range(0, len(parts), 2):  # outside code spans
        for pattern, replacement in _STYLES:
            parts[n] = pattern.sub(replacement, parts[n])
        parts[n] = _EMOJI.sub(lambda m: EXTRA_EMOJI.get(m[1], m[0]), Emoji.replace(parts[n]))
    for n in range(1, len(parts), 2):
        parts[n] = f"[cyan]{parts[n]}[/cyan]"
    return "".join(parts)


def show(text: str, *, file: TextIO | None = None) -> None:
    """Print mrkdwn as a terminal shows it (styles only on a terminal)."""
    Console(file=file, soft_wrap=True, highlight=False, emoji=False).print(Text.from_markup(_markup(text)))


def plain(text: str) -> str:
    """mrkdwn as read, with no styles: what a file or a pipe gets."""
    return Text.from_markup(_markup(text)).plain
