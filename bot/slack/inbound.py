"""What `/slack/events` checks before bolt sees a request: the signature first (on the raw bytes, before anything
is parsed), then that the body is a shape Slack sends, then whether this delivery was acted on already.

- not validly signed, or signed more than 5 minutes ago (or with a timestamp that is not a number): 401;
- signed, but not a body Slack would send (not UTF-8, a payload that is not a JSON object, no user…): 400 with what
  is wrong, and nothing is done;
- a delivery seen before (the same `trigger_id`; a click's `action_ts` on the same message) or a retry Slack marks
  with `X-Slack-Retry-Num`: acknowledged, not acted on again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

__all__ = ["MAX_SKEW_S", "Checked", "Rejected", "check", "delivery_key"]

MAX_SKEW_S = 300
_COMMAND_FIELDS = ("command", "user_id", "channel_id")
_PAYLOAD_TYPES = {
    "block_actions",
    "view_submission",
    "view_closed",
    "message_action",
    "shortcut",
    "block_suggestion",
    "interactive_message",
}


@dataclass(frozen=True)
class Rejected:
    status: int
    error: str


@dataclass(frozen=True)
class Checked:
    """A signed request of a shape Slack sends; `key` names the delivery for replay protection (None: nothing to
    name it by, such as `url_verification`)."""

    key: str | None
    retry: bool


def _signed(headers: Mapping[str, str], body: bytes, secret: str, now: float) -> bool:
    stamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12) or abs(now - int(stamp)) > MAX_SKEW_S:
        return False
    if not signature.isascii():
        return False
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode())


def _string(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 255


_SHAPES: dict[str, tuple[type, ...]] = {  # what bolt reads off any body, and the types it can read them as
    "enterprise": (str, dict),
    "team": (str, dict),
    "channel": (str, dict),
    "user": (str, dict),
    "event": (dict,),
    "view": (dict,),
    "container": (dict,),
    "message": (dict,),
    "previous_message": (dict,),
    "authorizations": (list,),
}


def _shape_problem(body: dict[str, Any], where: str) -> str | None:
    """A field bolt dereferences, present with a type it cannot read (a list for `team`, say), is refused here: bolt
    would raise on it and answer 500."""
    for name, types in _SHAPES.items():
        value = body.get(name)
        if value is not None and not isinstance(value, types):
            return f"{where}.{name} is not {' or '.join('an object' if t is dict else t.__name__ for t in types)}"
    authorizations = body.get("authorizations") or []
    if authorizations and not isinstance(authorizations[0], dict):
        return f"{where}.authorizations[0] is not an object"
    for name in ("event", "message", "previous_message"):
        if isinstance(body.get(name), dict):
            problem = _shape_problem(body[name], f"{where}.{name}")
            if problem:
                return problem
    return None


def _payload_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict):
        return "payload is not a JSON object"
    shape = _shape_problem(payload, "payload")
    if shape:
        return shape
    kind = payload.get("type")
    if not isinstance(kind, str) or kind not in _PAYLOAD_TYPES:
        return f"payload.type {kind!r} is not an interaction sevbot handles"
    user = payload.get("user")
    if not isinstance(user, dict) or not _string(user.get("id")):
        return "payload.user.id is missing"
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            return "payload.actions is missing or empty"
        if not _string(actions[0].get("action_id")):
            return "payload.actions[0].action_id is missing"
        value = actions[0].get("value", "")
        if not isinstance(value, str) or len(value) > 2000:
            return "payload.actions[0].value must be a string of at most 2,000 characters"
        channel = payload.get("channel")
        if channel is not None and (not isinstance(channel, dict) or not _string(channel.get("id"))):
            return "payload.channel.id is missing"
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict) or not _string(view.get("callback_id")):
            return "payload.view.callback_id is missing"
        if not _string(view.get("type")):
            return "payload.view.type is missing"
        state = view.get("state", {"values": {}})
        if not isinstance(state, dict) or not isinstance(state.get("values"), dict):
            return "payload.view.state.values is not an object"
        if not isinstance(view.get("private_metadata", ""), str):
            return "payload.view.private_metadata is not a string"
    if kind == "message_action":
        if not isinstance(payload.get("channel"), dict) or not isinstance(payload.get("message"), dict):
            return "payload.channel or payload.message is missing"
    return None


def delivery_key(form: Mapping[str, str], payload: Mapping[str, Any] | None) -> str | None:
    """What makes one delivery this one: Slack's `trigger_id` (one per command, click or submission), else the
    click's `action_ts` on its message; an event's `event_id`."""
    if payload is None:
        trigger = form.get("trigger_id", "")
        return f"t:{trigger}"[:200] if trigger else None
    if payload.get("type") == "event_callback":  # the Events API names each event once, however often delivered
        event_id = payload.get("event_id")
        return f"e:{event_id}"[:200] if _string(event_id) else None
    clicked = payload.get("trigger_id")
    if _string(clicked):
        return f"t:{clicked}"[:200]
    actions = payload.get("actions") or []
    action_ts = actions[0].get("action_ts") if actions and isinstance(actions[0], dict) else None
    message = (payload.get("container") or {}).get("message_ts") if isinstance(payload.get("container"), dict) else None
    if _string(action_ts):
        return f"a:{action_ts}:{message or ''}"[:200]
    return None


def check(headers: Mapping[str, str], body: bytes, *, secret: str, content_type: str, now: float) -> Checked | Rejected:
    if not _signed(headers, body, secret, now):
        return Rejected(401, "invalid or stale Slack signature")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Rejected(400, "body is not UTF-8")
    retry = bool(headers.get("X-Slack-Retry-Num"))
    if content_type == "application/json":  # the Events API (url_verification, event_callback)
        try:
            event = json.loads(text)
        except (ValueError, RecursionError):
            return Rejected(400, "body is not JSON")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return Rejected(400, "event has no type")
        shape = _shape_problem(event, "body")
        if shape:
            return Rejected(400, shape)
        return Checked(key=delivery_key({}, event), retry=retry)
    form = {name: values[0] for name, values in parse_qs(text, keep_blank_values=True).items()}
    if "payload" in form:
        try:
            payload = json.loads(form["payload"])
        except (ValueError, RecursionError):
            return Rejected(400, "payload is not JSON")
        problem = _payload_problem(payload)
        if problem:
            return Rejected(400, problem)
        return Checked(key=delivery_key(form, payload), retry=retry)
    missing = [name for name in _COMMAND_FIELDS if not _string(form.get(name))]
    if missing:
        return Rejected(400, f"not a slash command: {', '.join(missing)} missing")
    return Checked(key=delivery_key(form, None), retry=retry)
