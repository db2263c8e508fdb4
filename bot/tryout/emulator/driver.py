"""The user's side of Slack: what Slack sends to the bot when a person types a slash command, clicks a button
or submits a modal. Requests are signed (v0 HMAC-SHA256, as Slack signs them) and posted to the bot's own
HTTP server — or, with `socket=True`, delivered as Socket Mode envelopes over the WebSocket the bot opened; what
the bot acks with is shown to that person, as Slack would."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.mrkdwn import plain
from bot.tryout.emulator.server import SlackEmulator
from bot.tryout.emulator.socket_mode import SocketModeError
from bot.tryout.emulator.state import Message

__all__ = ["Reply", "SlackDriver"]


@dataclass
class Reply:
    status: int
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text.startswith("{") else None

    @property
    def ephemeral_text(self) -> str:
        """What the person sees of the ack (entities decoded, mentions as @name-or-ID)."""
        body = self.json
        return plain(str(body.get("text", ""))) if isinstance(body, dict) else self.text


class SlackDriver:
    def __init__(
        self,
        emulator: SlackEmulator,
        *,
        bot_url: str,
        signing_secret: str,
        http: aiohttp.ClientSession,
        socket: bool = False,
    ) -> None:
        self.emulator = emulator
        self.workspace = emulator.workspace
        self.bot_url = bot_url.rstrip("/") + "/slack/events"
        self.signing_secret = signing_secret
        self.http = http
        self.socket = socket
        self._count = 0

    async def send(
        self,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        timestamp: int | None = None,
        secret: str | None = None,
        signed: bool = True,
    ) -> Reply:
        """POST a raw body to the bot; tests use the keyword arguments to send what Slack would not."""
        if self.socket and signed and timestamp is None and secret is None:
            return await self._over_socket(body)
        ts = str(int(time.time()) if timestamp is None else timestamp)
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
        if signed:
            verifier = SignatureVerifier(secret if secret is not None else self.signing_secret)
            headers["X-Slack-Signature"] = str(verifier.generate_signature(timestamp=ts, body=body))
        async with self.http.post(self.bot_url, data=body.encode(), headers=headers) as response:
            return Reply(status=response.status, text=await response.text())

    async def _over_socket(self, body: str) -> Reply:
        """The same request as a Socket Mode envelope: interactions carry their JSON payload, commands the form."""
        form = dict(parse_qsl(body, keep_blank_values=True))
        kind, payload = ("interactive", json.loads(form["payload"])) if "payload" in form else ("slash_commands", form)
        try:
            ack = await self.emulator.socket_mode.send(kind, payload)
        except SocketModeError as exc:
            return Reply(status=504, text=str(exc))
        return Reply(status=200, text=json.dumps(ack) if ack else "")

    def _user(self, user_id: str) -> dict[str, str]:
        user = self.workspace.users[user_id]
        return {"id": user.id, "username": user.name, "name": user.name, "team_id": self.workspace.team_id}

    def _show_ack(self, reply: Reply, *, channel: str, user: str) -> None:
        body = reply.json
        if reply.status == 200 and isinstance(body, dict) and (body.get("text") or body.get("blocks")):
            target = self.workspace.channels.get(channel)
            if target is not None:
                target.messages.append(
                    Message(
                        ts=self.workspace._ts(),
                        user=self.workspace.bot.id,
                        text=str(body.get("text", "")),
                        blocks=body.get("blocks") or [],
                        ephemeral_to=None if body.get("response_type") == "in_channel" else user,
                    )
                )

    async def slash(self, user: str, channel: str, text: str = "", *, command: str = "/incident") -> Reply:
        target = self.workspace.channels.get(channel)
        form = {
            "token": "deprecated-verification-token",
            "team_id": self.workspace.team_id,
            "team_domain": "emulated",
            "channel_id": channel,
            "channel_name": target.name if target else "unknown",
            "user_id": user,
            "user_name": self.workspace.users[user].name,
            "command": command,
            "text": text,
            "api_app_id": "A0SEVBOT",
            "is_enterprise_install": "false",
            "response_url": self.emulator.new_response_url(channel=channel, user=user),
            "trigger_id": self.workspace.new_trigger(user),
        }
        reply = await self.send(urlencode(form))
        self._show_ack(reply, channel=channel, user=user)
        return reply

    def shown(self, reply: Reply, user: str, channel: str) -> Message:
        """A command's private answer as Slack shows it: an ephemeral message in the channel, its buttons clickable
        (their clicks carry a `response_url` that replaces it)."""
        body = reply.json or {}
        message = Message(
            ts=self.workspace._ts(),
            user=self.workspace.bot.id,
            text=str(body.get("text") or ""),
            blocks=list(body.get("blocks") or []),
            ephemeral_to=user,
        )
        self.workspace.channels[channel].messages.append(message)
        return message

    async def click(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        *,
        forged: bool = False,
        as_shown: Message | None = None,
        value: str | None = None,
    ) -> Reply:
        """Click the button `action_id` on the message `message_ts` (it must be there, as for a person).
        `forged`: the click as someone who cannot see the message would craft it (another person's private plan).
        `as_shown`: the message as a client that has not caught up still shows it (a stale button).
        `value`: which of several buttons with the same action_id (a list of versions to pick from)."""
        message = as_shown or self.workspace.channels[channel].message(message_ts)
        if message.ephemeral_to not in (None, user) and not forged:
            raise LookupError(f"message {message_ts} is visible to {message.ephemeral_to} only")
        found = _button(message.blocks, action_id, value)
        if found is not None:
            return await self._click(user, channel, message, *found)
        raise LookupError(f"no button {action_id!r} on message {message_ts}")

    async def _click(
        self, user: str, channel: str, message: Message, block: dict[str, Any], element: dict[str, Any]
    ) -> Reply:
        container = {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": channel,
            "is_ephemeral": message.ephemeral_to is not None,
        }
        return await self._block_actions(
            user,
            block,
            element,
            container=container,
            channel={"id": channel, "name": self.workspace.channels[channel].name},
            message=message.as_api(channel),
            response_url=self.emulator.new_response_url(channel=channel, user=user, message_ts=message.ts),
        )

    async def _block_actions(self, user: str, block: dict[str, Any], element: dict[str, Any], **where: Any) -> Reply:
        """The `block_actions` payload of one click, signed and sent; `where`: the container and what Slack sends
        with it (a message's channel and response_url; a view)."""
        payload = {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": "A0SEVBOT",
            "token": "deprecated-verification-token",
            "trigger_id": self.workspace.new_trigger(user),
            "team": {"id": self.workspace.team_id, "domain": "emulated"},
            **where,
            "actions": [
                {
                    "type": element.get("type", "button"),
                    "action_id": element["action_id"],
                    "block_id": block.get("block_id", ""),
                    "text": element.get("text"),
                    "value": element.get("value", ""),
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return await self.send(urlencode({"payload": json.dumps(payload)}))

    async def message_shortcut(self, user: str, channel: str, message_ts: str, callback_id: str) -> Reply:
        """Run the message shortcut `callback_id` on a message, as from its "More actions" menu."""
        message = self.workspace.channels[channel].message(message_ts)
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": self.workspace.new_trigger(user),
            "team": {"id": self.workspace.team_id, "domain": "emulated"},
            "user": self._user(user),
            "channel": {"id": channel, "name": self.workspace.channels[channel].name},
            "message": message.as_api(channel),
            "message_ts": message.ts,
            "response_url": self.emulator.new_response_url(channel=channel, user=user),
            "token": "deprecated-verification-token",
        }
        return await self.send(urlencode({"payload": json.dumps(payload)}))

    async def open_home(self, user: str, *, event_id: str | None = None) -> Reply:
        """The person opens sevbot's App Home tab: Slack sends the `app_home_opened` event (Events API)."""
        event: dict[str, Any] = {"type": "app_home_opened", "user": user, "channel": f"D{user[1:]}", "tab": "home"}
        if user in self.workspace.homes:
            event["view"] = self.workspace.homes[user]
        return await self.event(event, event_id=event_id)

    async def event(self, event: dict[str, Any], *, event_id: str | None = None) -> Reply:
        """Slack delivering one Events API event (`event_callback`), signed, or over the socket in Socket Mode."""
        self._count += 1
        body = {
            "token": "deprecated-verification-token",
            "team_id": self.workspace.team_id,
            "api_app_id": "A0SEVBOT",
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._count:08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": self.workspace.team_id, "user_id": self.workspace.bot.id, "is_bot": True}],
        }
        if self.socket:
            try:
                await self.emulator.socket_mode.send("events_api", body)
            except SocketModeError as exc:
                return Reply(status=504, text=str(exc))
            return Reply(status=200, text="")
        return await self.send(json.dumps(body), content_type="application/json")

    async def join(self, user: str, channel: str, *, event_id: str | None = None) -> Reply:
        """The person joins the channel (as Slack would): a member, and `member_joined_channel` sent to the bot."""
        target = self.workspace.channels[channel]
        if user not in target.members:
            target.members.append(user)
        return await self.event(
            {"type": "member_joined_channel", "user": user, "channel": channel, "channel_type": "C"}, event_id=event_id
        )

    async def click_home(self, user: str, action_id: str, *, value: str | None = None) -> Reply:
        """Click a button on the person's App Home (a view: no channel, no response_url)."""
        home = self.workspace.homes[user]
        found = _button(home.get("blocks", []), action_id, value)
        if found is not None:
            container = {"type": "view", "view_id": home["id"]}
            return await self._block_actions(user, *found, container=container, view=home)
        raise LookupError(f"no button {action_id!r} on {user}'s App Home")

    async def submit(self, user: str, view_id: str, values: dict[str, Any]) -> Reply:
        """Submit the open modal `view_id` with `values` given by each input's action_id."""
        view = self.workspace.views[view_id]
        state: dict[str, dict[str, Any]] = {}
        for block in view.get("blocks", []):
            element = block.get("element")
            if block.get("type") != "input" or not element:
                continue
            action_id = element["action_id"]
            state.setdefault(block["block_id"], {})[action_id] = _element_state(element, values.get(action_id))
        payload = {
            "type": "view_submission",
            "team": {"id": self.workspace.team_id, "domain": "emulated"},
            "user": self._user(user),
            "api_app_id": "A0SEVBOT",
            "token": "deprecated-verification-token",
            "trigger_id": self.workspace.new_trigger(user),
            "view": {**view, "state": {"values": state}},
            "response_urls": [],
        }
        reply = await self.send(urlencode({"payload": json.dumps(payload)}))
        answer = reply.json
        if isinstance(answer, dict) and answer.get("response_action") == "update" and answer.get("view"):
            self.workspace._store_view(answer["view"], view_id)  # as Slack does: the same modal, its content replaced
        return reply


def _button(
    blocks: list[dict[str, Any]], action_id: str, value: str | None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The block and button `action_id` (of that `value`, when several share it), as a person would find it."""
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("action_id") == action_id and value in (None, element.get("value")):
                return block, element
    return None


def _element_state(element: dict[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind in ("static_select", "radio_buttons"):
        option = next((o for o in element.get("options", []) if o["value"] == value), None)
        return {"type": kind, "selected_option": option}
    if kind == "users_select":
        return {"type": kind, "selected_user": value}
    if kind == "checkboxes":
        chosen = [o for o in element.get("options", []) if o["value"] in (value or [])]
        return {"type": kind, "selected_options": chosen}
    return {"type": kind, "value": value}
