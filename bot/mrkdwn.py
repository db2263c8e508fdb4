"""Slack mrkdwn safety: text from alerts and people must never ping a channel or break formatting.

Slack's own escaping is `&`, `<` and `>` (https://api.slack.com/reference/surfaces/formatting#escaping).
"""

from __future__ import annotations

import re

__all__ = ["escape", "from_command", "plain", "unescape"]

_SPECIAL = re.compile(r"<!(channel|here|everyone|subteam\^[A-Z0-9]+)(?:\|([^>]*))?>")
_ANY_ANGLE = re.compile(r"<([^<>]*)>")
_ALLOWED = re.compile(r"^(@[UW][A-Z0-9]+|#C[A-Z0-9]+|https?://[^|\s]+|mailto:[^|\s]+)(\|[^<>]*)?$")


def escape(text: str) -> str:
    """Any text shown literally: `<!channel>` becomes `&lt;!channel&gt;` and pings nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def from_command(text: str) -> str:
    """Text typed by a person (slash command, already Slack-escaped): keep user and channel mentions and
    links, turn broadcasts (`<!channel>`, `<!here>`, user groups) and anything else in angle brackets
    into literal text."""

    def keep_or_neutralise(match: re.Match[str]) -> str:
        inner = match.group(1)
        if _ALLOWED.match(inner):
            return match.group(0)
        special = _SPECIAL.fullmatch(match.group(0))
        if special:
            label = special.group(2) or special.group(1).split("^")[0]
            return escape("@" + label.lstrip("@"))
        return escape(match.group(0))

    return _ANY_ANGLE.sub(keep_or_neutralise, text)


def plain(text: str) -> str:
    """A readable plain-text form (for channel names, topics and files): mentions as @id, no entities."""
    text = re.sub(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>", lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = re.sub(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>", lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    return unescape(text)
