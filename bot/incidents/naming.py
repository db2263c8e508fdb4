"""Incident channel names under Slack's rules: lowercase letters, digits, `-`, `_`; at most 80 characters."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from bot.mrkdwn import unescape

__all__ = ["MAX_CHANNEL_NAME", "channel_name", "slugify"]

MAX_CHANNEL_NAME = 80
_MENTION = re.compile(r"<[@#!][^>]*>")


def slugify(text: str) -> str:
    text = _MENTION.sub(" ", unescape(text))
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()  # é → e; – and 🔥 separate
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def channel_name(*, prefix: str, day: datetime, seq: int, title: str) -> str:
    """`inc-20261122-3-map-drop-on-cams-23-40`, cut at a word boundary to fit 80 characters."""
    head = f"{prefix}-{day:%Y%m%d}-{seq}"
    slug = slugify(title)
    room = MAX_CHANNEL_NAME - len(head) - 1
    if len(slug) > room:
        slug = slug[:room]
        slug = slug.rsplit("-", 1)[0] if "-" in slug else slug
    return f"{head}-{slug}".rstrip("-") if slug else head
