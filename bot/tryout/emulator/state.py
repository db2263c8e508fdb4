"""The workspace the emulator keeps: users, groups, channels and their messages, pins, bookmarks, views, files.

Every Web API method the bot uses is a method here that either returns the response fields or raises
`ApiError` with Slack's error code for that method (from Slack's OpenAPI description and method docs).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.tryout.emulator.limits import block_errors, view_errors

__all__ = ["ApiError", "Channel", "Message", "User", "Workspace"]

CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_TOPIC = 250
MAX_TEXT = 40_000
TRIGGER_TTL_S = 3.0


class ApiError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    is_bot: bool = False
    tz: str = "UTC"
    email: str = ""  # shown to apps with the users:read.email scope

    def as_api(self) -> dict[str, Any]:
        profile = {"display_name": self.name, "real_name": self.real_name or self.name}
        return {
            "id": self.id,
            "name": self.name,
            "real_name": self.real_name or self.name,
            "is_bot": self.is_bot,
            "tz": self.tz,
            "profile": {**profile, "email": self.email} if self.email else profile,
        }


@dataclass
class Message:
    ts: str
    user: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    edited: bool = False
    files: list[dict[str, Any]] = field(default_factory=list)
    ephemeral_to: str | None = None  # shown to this user only
    subtype: str | None = None
    username: str | None = None  # an incoming webhook's or integration's name: such messages have no user
    metadata: dict[str, Any] | None = None  # the app's message metadata (event_type, event_payload)

    def as_api(self, channel: str, *, metadata: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text, "channel": channel}
        if metadata and self.metadata:
            out["metadata"] = self.metadata
        if self.user:
            out["user"] = self.user
        if self.username:
            out.update(subtype="bot_message", username=self.username, bot_id="B0WEBHOOK")
        if self.blocks:
            out["blocks"] = self.blocks
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.files:
            out["files"] = self.files
        if self.subtype:
            out["subtype"] = self.subtype
        if self.edited:
            out["edited"] = {"user": self.user, "ts": self.ts}
        return out


@dataclass
class Channel:
    id: str
    name: str
    creator: str
    created: int
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    members: list[str] = field(default_factory=list)
    topic: str = ""
    purpose: str = ""
    messages: list[Message] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)
    bookmarks: list[dict[str, Any]] = field(default_factory=list)

    def as_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_im,
            "is_im": self.is_im,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "created": self.created,
            "creator": self.creator,
            "num_members": len(self.members),
            "topic": {"value": self.topic, "creator": self.creator, "last_set": 0},
            "purpose": {"value": self.purpose, "creator": self.creator, "last_set": 0},
        }

    def message(self, ts: str) -> Message:
        for message in self.messages:
            if message.ts == ts:
                return message
        raise ApiError("message_not_found")


class Workspace:
    """All of a workspace's state, and the Web API methods over it."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        bot_token: str = "xoxb-emulator",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.team_id = team_id
        self.bot_token = bot_token
        self.now = now
        self.bot = User(id="UBOT0001", name="sevbot", is_bot=True)
        self.users: dict[str, User] = {self.bot.id: self.bot}
        self.usergroups: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, Channel] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.responses: list[dict[str, Any]] = []  # what bots posted to response_url
        self.triggers: dict[str, float] = {}
        self.trigger_users: dict[str, str] = {}  # who each trigger is for
        self.view_users: dict[str, str] = {}  # whose screen each opened view is on
        self.homes: dict[str, dict[str, Any]] = {}  # each person's App Home, as last published
        self._ids = itertools.count(1)
        self._last_ts = 0.0

    # ----- set-up helpers (not Web API methods) -----
    def add_user(self, user_id: str, name: str, real_name: str = "") -> User:
        self.users[user_id] = User(id=user_id, name=name, real_name=real_name)
        return self.users[user_id]

    def add_usergroup(self, group_id: str, handle: str, users: list[str]) -> None:
        self.usergroups[group_id] = {"id": group_id, "handle": handle, "name": handle, "users": list(users)}

    def add_channel(self, name: str, *, members: list[str] | None = None, creator: str | None = None) -> Channel:
        channel = Channel(
            id=self._new_id("C"),
            name=name,
            creator=creator or next(iter(self.users)),
            created=int(self.now()),
            members=list(members or []),
        )
        self.channels[channel.id] = channel
        return channel

    def channel_named(self, name: str) -> Channel:
        for channel in self.channels.values():
            if channel.name == name.lstrip("#"):
                return channel
        raise KeyError(name)

    def new_trigger(self, user: str = "") -> str:
        """A trigger_id, as Slack issues with each interaction; `user`: whose (a form it opens is shown to them)."""
        trigger = f"{next(self._ids)}.{int(self.now())}.trigger"
        self.triggers[trigger] = self.now()
        self.trigger_users[trigger] = user
        return trigger

    def post_as(self, user_id: str, channel_id: str, text: str) -> str:
        """A person writes in a channel they are in (what a test or the demo needs a message shortcut on)."""
        channel = self._channel(channel_id, writable=True)
        self._member(channel, self._user(user_id).id)
        message = Message(ts=self._ts(), user=user_id, text=text)
        channel.messages.append(message)
        return message.ts

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    def _ts(self) -> str:
        value = max(self.now(), self._last_ts + 0.000001)
        self._last_ts = value
        return f"{value:.6f}"

    # ----- lookups with Slack's errors -----
    def _channel(self, channel_id: str | None, *, writable: bool = False) -> Channel:
        if not channel_id:
            raise ApiError("channel_not_found")
        if channel_id in self.users:  # posting to a user ID goes to the DM with them
            return self._dm(channel_id)
        channel = self.channels.get(channel_id)
        if channel is None:
            raise ApiError("channel_not_found")
        if writable and channel.is_archived:
            raise ApiError("is_archived")
        return channel

    def _user(self, user_id: str | None) -> User:
        if not user_id or user_id not in self.users:
            raise ApiError("user_not_found")
        return self.users[user_id]

    def _dm(self, user_id: str) -> Channel:
        for channel in self.channels.values():
            if channel.is_im and channel.members == [self.bot.id, user_id]:
                return channel
        channel = Channel(
            id=self._new_id("D"),
            name=user_id,
            creator=self.bot.id,
            created=int(self.now()),
            is_im=True,
            members=[self.bot.id, user_id],
        )
        self.channels[channel.id] = channel
        return channel

    def _member(self, channel: Channel, caller: str) -> None:
        if caller not in channel.members:
            raise ApiError("not_in_channel")

    @staticmethod
    def _blocks(args: dict[str, Any]) -> list[dict[str, Any]]:
        blocks = args.get("blocks") or []
        if not isinstance(blocks, list):
            raise ApiError("invalid_blocks_format")
        errors = block_errors(blocks)
        if errors:
            raise ApiError("invalid_blocks", errors=errors)
        return blocks

    # ----- Web API methods -----
    def auth_test(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://emulator.slack.test/",
            "team": "Emulated",
            "team_id": self.team_id,
            "user": self.bot.name,
            "user_id": self.bot.id,
            "bot_id": "B0001",
            "is_enterprise_install": False,
        }

    def conversations_create(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name") or "")
        if not name:
            raise ApiError("invalid_name_required")
        if len(name) > 80:
            raise ApiError("invalid_name_maxlength")
        if not CHANNEL_NAME.match(name):
            raise ApiError("invalid_name_specials")
        if any(c.name == name for c in self.channels.values()):
            raise ApiError("name_taken")
        is_private = str(args.get("is_private", "false")).lower() in ("true", "1")
        channel = Channel(
            id=self._new_id("C"),
            name=name,
            creator=caller,
            created=int(self.now()),
            is_private=is_private,
            members=[caller],
        )
        self.channels[channel.id] = channel
        return {"channel": channel.as_api()}

    def conversations_invite(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"), writable=True)
        self._member(channel, caller)
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise ApiError("no_user")
        force = _flag(args.get("force"))  # invite the valid ones, disregarding those already in (or invalid)
        for user in users:
            if user == caller:
                raise ApiError("cant_invite_self")
            self._user(user)
            if user in channel.members and not (force and len(users) > 1):
                raise ApiError(
                    "already_in_channel", errors=[{"user": user, "ok": False, "error": "already_in_channel"}]
                )
        channel.members += [u for u in dict.fromkeys(users) if u not in channel.members]
        return {"channel": channel.as_api()}

    def conversations_join(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"), writable=True)
        if channel.is_private:
            raise ApiError("method_not_supported_for_channel_type")
        if caller not in channel.members:
            channel.members.append(caller)
        return {"channel": channel.as_api()}

    def conversations_setTopic(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"), writable=True)
        self._member(channel, caller)
        topic = str(args.get("topic") or "")
        if len(topic) > MAX_TOPIC:
            raise ApiError("too_long")
        channel.topic = topic
        channel.messages.append(
            Message(ts=self._ts(), user=caller, text=f"set the channel topic: {topic}", subtype="channel_topic")
        )
        return {"channel": channel.as_api()}

    def conversations_setPurpose(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"), writable=True)
        self._member(channel, caller)
        purpose = str(args.get("purpose") or "")
        if len(purpose) > MAX_TOPIC:
            raise ApiError("too_long")
        channel.purpose = purpose
        return {"channel": channel.as_api()}

    def conversations_info(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._channel(args.get("channel")).as_api()}

    def conversations_list(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        limit = int(args.get("limit") or 100)
        exclude_archived = str(args.get("exclude_archived", "false")).lower() in ("true", "1")
        listed = [c for c in self.channels.values() if not c.is_im and not (exclude_archived and c.is_archived)]
        start = int(args.get("cursor") or 0)
        page = listed[start : start + limit]
        more = start + limit < len(listed)
        return {
            "channels": [c.as_api() for c in page],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def conversations_members(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "members": list(self._channel(args.get("channel")).members),
            "response_metadata": {"next_cursor": ""},
        }

    def conversations_history(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        shown = [m for m in channel.messages if m.ephemeral_to is None and m.thread_ts in (None, m.ts)]
        limit = int(args.get("limit") or 100)
        meta = _flag(args.get("include_all_metadata"))
        return {"messages": [m.as_api(channel.id, metadata=meta) for m in reversed(shown)][:limit], "has_more": False}

    def conversations_replies(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        ts = str(args.get("ts") or "")
        thread = [m for m in channel.messages if m.ts == ts or m.thread_ts == ts]
        if not thread:
            raise ApiError("thread_not_found")
        meta = _flag(args.get("include_all_metadata"))
        return {"messages": [m.as_api(channel.id, metadata=meta) for m in thread], "has_more": False}

    def conversations_archive(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        if channel.is_archived:
            raise ApiError("already_archived")
        channel.is_archived = True
        return {}

    def conversations_open(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if len(users) != 1:
            raise ApiError("users_list_not_supplied" if not users else "not_enough_users")
        return {"channel": {"id": self._dm(self._user(users[0]).id).id}}

    def chat_postMessage(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"), writable=True)
        if not channel.is_im:
            self._member(channel, caller)
        text, blocks = str(args.get("text") or ""), self._blocks(args)
        if not text and not blocks:
            raise ApiError("no_text")
        if len(text) > MAX_TEXT:
            raise ApiError("msg_too_long")
        thread_ts = args.get("thread_ts") or None
        if thread_ts:
            channel.message(str(thread_ts))
        metadata = args.get("metadata")
        if isinstance(metadata, str) and metadata:
            metadata = json.loads(metadata)
        if metadata is not None and (not isinstance(metadata, dict) or not metadata.get("event_type")):
            raise ApiError("invalid_metadata_format")
        message = Message(
            ts=self._ts(), user=caller, text=text, blocks=blocks, thread_ts=thread_ts, metadata=metadata or None
        )
        channel.messages.append(message)
        return {"channel": channel.id, "ts": message.ts, "message": message.as_api(channel.id, metadata=True)}

    def chat_update(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"), writable=True)
        message = channel.message(str(args.get("ts") or ""))
        if message.user != caller:
            raise ApiError("cant_update_message")
        text, blocks = str(args.get("text") or ""), self._blocks(args)
        if not text and not blocks:
            raise ApiError("no_text")
        message.text, message.blocks, message.edited = text, blocks, True
        return {"channel": channel.id, "ts": message.ts, "text": text, "message": message.as_api(channel.id)}

    def chat_postEphemeral(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"), writable=True)
        user = self._user(args.get("user"))
        if user.id not in channel.members:
            raise ApiError("user_not_in_channel")
        text, blocks = str(args.get("text") or ""), self._blocks(args)
        if not text and not blocks:
            raise ApiError("no_text")
        message = Message(ts=self._ts(), user=caller, text=text, blocks=blocks, ephemeral_to=user.id)
        channel.messages.append(message)
        return {"message_ts": message.ts}

    def chat_getPermalink(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        ts = str(args.get("message_ts") or "")
        channel.message(ts)
        return {
            "channel": channel.id,
            "permalink": f"https://emulator.slack.test/archives/{channel.id}/p{ts.replace('.', '')}",
        }

    def pins_add(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"), writable=True)
        ts = str(args.get("timestamp") or "")
        channel.message(ts)
        if ts in channel.pins:
            raise ApiError("already_pinned")
        channel.pins.append(ts)
        return {}

    def pins_list(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        return {
            "items": [
                {"type": "message", "channel": channel.id, "message": channel.message(ts).as_api(channel.id)}
                for ts in channel.pins
            ]
        }

    def bookmarks_add(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args.get("channel_id"), writable=True)
        title, kind, link = (
            str(args.get("title") or ""),
            str(args.get("type") or ""),
            str(args.get("link") or ""),
        )
        if not title:
            raise ApiError("invalid_title")
        if kind != "link":
            raise ApiError("invalid_bookmark_type")
        if not link.startswith(("http://", "https://")):
            raise ApiError("invalid_link")
        bookmark = {
            "id": self._new_id("Bk"),
            "channel_id": channel.id,
            "title": title,
            "link": link,
            "type": kind,
        }
        channel.bookmarks.append(bookmark)
        return {"bookmark": bookmark}

    def bookmarks_list(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        return {"bookmarks": list(self._channel(args.get("channel_id")).bookmarks)}

    def _use_trigger(self, trigger_id: str | None) -> str:
        """The trigger is used up; returns whose it was."""
        issued = self.triggers.pop(str(trigger_id or ""), None)
        if issued is None:
            raise ApiError("invalid_trigger_id")
        if self.now() - issued > TRIGGER_TTL_S:
            raise ApiError("expired_trigger_id")
        return self.trigger_users.pop(str(trigger_id), "")

    def _store_view(self, view: Any, view_id: str | None = None) -> dict[str, Any]:
        if not isinstance(view, dict):
            raise ApiError("invalid_arguments")
        errors = view_errors(view)
        if errors:
            raise ApiError("invalid_arguments", response_metadata={"messages": errors})
        stored = {**view, "id": view_id or self._new_id("V"), "state": {"values": {}}}
        self.views[stored["id"]] = stored
        return {"view": stored}

    def views_open(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        user = self._use_trigger(args.get("trigger_id"))
        opened = self._store_view(args.get("view"))
        self.view_users[opened["view"]["id"]] = user
        return opened

    def views_push(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        user = self._use_trigger(args.get("trigger_id"))
        opened = self._store_view(args.get("view"))
        self.view_users[opened["view"]["id"]] = user
        return opened

    def views_update(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        view_id = str(args.get("view_id") or "")
        if view_id not in self.views:
            raise ApiError("not_found")
        return self._store_view(args.get("view"), view_id)

    def views_publish(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        """A person's App Home tab; `hash` (the one the last publish returned) refuses a publish that raced another."""
        user = str(args.get("user_id") or "")
        if user not in self.users or self.users[user].is_bot:
            raise ApiError("invalid_arguments", response_metadata={"messages": ["invalid `user_id`"]})
        view = args.get("view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise ApiError("invalid_arguments", response_metadata={"messages": ["view.type must be home"]})
        earlier = self.homes.get(user)
        if args.get("hash") and (earlier is None or earlier["hash"] != args["hash"]):
            raise ApiError("hash_conflict")
        missing = [
            f"[json-pointer:/view/blocks/{i}/slack_file] file {block['slack_file'].get('id')} does not exist"
            for i, block in enumerate(view.get("blocks") or [])
            if isinstance(block, dict)
            and isinstance(block.get("slack_file"), dict)
            and (self.files.get(str(block["slack_file"].get("id"))) or {}).get("content") is None
        ]
        if missing:
            raise ApiError("invalid_blocks", response_metadata={"messages": missing})
        stored = self._store_view(view, earlier["id"] if earlier else None)["view"]
        stored["hash"] = f"{self.now():.6f}.{next(self._ids)}"
        self.homes[user] = stored
        return {"view": stored}

    def users_info(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        return {"user": self._user(args.get("user")).as_api()}

    def users_list(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "members": [u.as_api() for u in self.users.values()],
            "response_metadata": {"next_cursor": ""},
        }

    def usergroups_list(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        return {"usergroups": [{k: v for k, v in g.items() if k != "users"} for g in self.usergroups.values()]}

    def usergroups_users_list(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroups.get(str(args.get("usergroup") or ""))
        if group is None:
            raise ApiError("no_such_subteam")
        return {"users": list(group["users"])}

    def files_getUploadURLExternal(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = str(args.get("filename") or ""), str(args.get("length") or "")
        if not filename:
            raise ApiError("invalid_arguments")
        if not length.isdigit() or int(length) <= 0:
            raise ApiError("invalid_arguments")
        file_id = self._new_id("F")
        self.files[file_id] = {
            "id": file_id,
            "name": filename,
            "length": int(length),
            "content": None,
            "title": filename,
        }
        return {"upload_url": f"/_upload/{file_id}", "file_id": file_id}

    def files_info(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(args.get("file") or ""))
        if stored is None or stored["content"] is None:
            raise ApiError("file_not_found")
        return {
            "file": {
                "id": stored["id"],
                "name": stored["name"],
                "title": stored["title"],
                "size": stored["length"],
                "permalink": f"https://emulator.slack.test/files/{caller}/{stored['id']}/{stored['name']}",
            }
        }

    def files_completeUploadExternal(self, caller: str, args: dict[str, Any]) -> dict[str, Any]:
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            raise ApiError("invalid_arguments")
        shared = []
        for entry in entries:
            stored = self.files.get(str(entry.get("id")))
            if stored is None or stored["content"] is None:
                raise ApiError("file_not_found")
            stored["title"] = entry.get("title") or stored["name"]
            shared.append({"id": stored["id"], "name": stored["name"], "title": stored["title"]})
        channel_id = args.get("channel_id")
        if channel_id:
            channel = self._channel(channel_id, writable=True)
            self._member(channel, caller)
            channel.messages.append(
                Message(
                    ts=self._ts(),
                    user=caller,
                    text=str(args.get("initial_comment") or ""),
                    files=shared,
                    thread_ts=args.get("thread_ts") or None,
                )
            )
        return {"files": shared}


def _flag(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "1")
