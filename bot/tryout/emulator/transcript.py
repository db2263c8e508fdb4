"""A channel as a person reads it: names instead of IDs, blocks as text, buttons in brackets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.mrkdwn import plain
from bot.tryout.emulator.state import Message, Workspace

__all__ = ["named", "render_channel", "render_home", "render_message"]


def named(workspace: Workspace, text: str) -> str:
    """mrkdwn with people and channels by name (`<@U0004>` → @dave, `<#C01>` → #general), entities decoded."""
    for user in workspace.users.values():
        text = text.replace(f"<@{user.id}>", f"@{user.name}")
    for channel in workspace.channels.values():
        text = text.replace(f"<#{channel.id}>", f"#{channel.name}")
    return plain(text)


def _text(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def _block_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [f"== {_text(block.get('text'))} =="]
    if kind == "section":
        lines = [_text(block.get("text"))] if block.get("text") else []
        lines += (
            [" | ".join(_text(f).replace("\n", " ") for f in block.get("fields", []))] if block.get("fields") else []
        )
        return lines
    if kind == "context":
        return ["  " + "  ".join(_text(e) for e in block.get("elements", []))]
    if kind == "actions":
        return ["  " + " ".join(f"[{_text(e.get('text'))}]" for e in block.get("elements", []))]
    if kind == "divider":
        return ["  ---"]
    if kind == "image":
        return [f"  🖼 {block.get('alt_text', '')}"]
    return []


def render_message(workspace: Workspace, message: Message) -> str:
    author = workspace.users.get(message.user)
    when = datetime.fromtimestamp(float(message.ts), UTC).strftime("%H:%M")
    head = f"[{when}] {author.name if author else message.user}"
    if message.ephemeral_to:
        head += f" (only visible to @{workspace.users[message.ephemeral_to].name})"
    if message.edited:
        head += " (edited)"
    lines = [ln for block in message.blocks for ln in _block_lines(block)] or [message.text]
    lines += [f"  📎 {f['title']}" for f in message.files]
    body = "\n".join(named(workspace, line) for line in lines if line)
    indent = "    ↳ " if message.thread_ts and message.thread_ts != message.ts else ""
    return f"{indent}{head}\n" + "\n".join(indent + "  " + ln for ln in body.splitlines())


def render_channel(workspace: Workspace, channel_id: str) -> str:
    channel = workspace.channels[channel_id]
    members = ", ".join("@" + workspace.users[m].name for m in channel.members if m in workspace.users)
    out = [f"#{channel.name}", f"  topic: {named(workspace, channel.topic)}", f"  members: {members}"]
    out += [f"  bookmark: {b['title']} ({b['link']})" for b in channel.bookmarks]
    out += [f"  pinned: {render_message(workspace, channel.message(ts)).splitlines()[0]}" for ts in channel.pins]
    out.append("")
    out += [render_message(workspace, m) for m in channel.messages if m.subtype != "channel_topic"]
    return "\n".join(out)


def render_home(workspace: Workspace, user_id: str) -> str:
    """A person's App Home tab as they read it (empty if sevbot never published it)."""
    home = workspace.homes.get(user_id)
    if home is None:
        return ""
    lines = [ln for block in home.get("blocks", []) for ln in _block_lines(block)]
    return "\n".join(named(workspace, line) for line in lines if line)
