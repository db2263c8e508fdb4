"""A Slack Web API emulator, for the tests and `sevbot demo` (not used in production).

- `SlackEmulator` serves the Web API methods sevbot uses over real HTTP (`api_url` is what SLACK_API_URL
  points at) with Slack's state and error codes: channels with members, topic, purpose, messages (threads,
  updates), pins, bookmarks, ephemeral messages, views, users and user groups, the files upload flow
  (`files.getUploadURLExternal` then `files.completeUploadExternal`), and `response_url` posts. It refuses what
  Slack refuses: `name_taken`, `already_in_channel`, `channel_not_found`, `invalid_auth`, `is_archived`,
  `not_in_channel`, Block Kit limits (50 blocks, 3,000 characters of section text, 25 action elements…).
- Faults are injected with `fail(method, error, times=…, where={"channel": …})`: `ratelimited` (HTTP 429 with
  `Retry-After`), `server_error` (HTTP 500), `timeout`, or any Slack error code; `where` limits a fault to calls
  with those arguments; `latency_s` delays every call. Both can be set over HTTP too (`POST /_emulator/fault`,
  `POST /_emulator/latency`) for a bot in another process.
- `SlackDriver` is the person's side: signed slash commands, button clicks and modal submissions sent to
  the bot's `/slack/events` (or, with `socket=True`, as Socket Mode envelopes over the WebSocket the bot opened
  with its app-level token: `bot/tryout/emulator/socket_mode.py`), with what the bot acks shown as Slack shows it.
- `render_channel` prints a channel as a person reads it; `render_home` a person's App Home tab (`views.publish`,
  which checks that an image block's `slack_file` was uploaded).
"""

from __future__ import annotations

from bot.tryout.emulator.driver import Reply, SlackDriver
from bot.tryout.emulator.server import Fault, SlackEmulator
from bot.tryout.emulator.state import ApiError, Channel, Message, User, Workspace
from bot.tryout.emulator.transcript import render_channel, render_home, render_message

__all__ = [
    "ApiError",
    "Channel",
    "Fault",
    "Message",
    "Reply",
    "SlackDriver",
    "SlackEmulator",
    "User",
    "Workspace",
    "render_channel",
    "render_home",
    "render_message",
]
