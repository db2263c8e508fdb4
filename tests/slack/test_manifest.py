"""manifest.yml is a valid Slack app manifest, and its command and scopes match what the code uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

import commands

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "data" / "slack-manifest.schema.json"  # Slack's app-manifest JSON Schema, vendored

# Bot scopes each Web API method needs (Slack's method pages); a method missing here fails the test.
SCOPES = {
    "auth_test": None,
    "views_open": None,
    "views_publish": None,  # App Home
    "conversations_create": "channels:manage",
    "conversations_invite": "channels:manage",
    "conversations_setTopic": "channels:manage",
    "conversations_list": "channels:read",
    "conversations_join": "channels:join",
    "conversations_history": "channels:history im:history",  # a post whose answer was lost, found by its metadata key
    "conversations_open": "im:write",  # the direct message with a person, to look for a lost answer there
    "conversations_replies": "channels:history",  # likewise in a thread
    "conversations_info": "channels:read",  # the topic, after a lost answer
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "pins_add": "pins:write",
    "bookmarks_add": "bookmarks:write",
    "bookmarks_list": "bookmarks:read",
    "files_upload_v2": "files:write",
    "files_info": "files:read",  # a chart's permalink, for the postmortem
    "users_info": "users:read users:read.email",  # a name for documents; an email to find the owner in Jira
    "usergroups_users_list": "usergroups:read",  # responders given as user groups
}


def _manifest() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def _methods_called() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "commands"):
        for path in (ROOT / folder).rglob("*.py"):
            if "emulator" in path.parts or "serving" in path.parts:  # serving: platform clients, not Slack
                continue
            found |= set(re.findall(r"client\.([a-z]+_[A-Za-z0-9_]+)\(", path.read_text()))
    return found


def test_manifest_is_valid_against_slacks_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.validate(_manifest(), schema)


def test_manifest_command_and_scopes_match_the_code() -> None:
    manifest = _manifest()
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/incident"]
    called = _methods_called()
    unknown = called - SCOPES.keys()
    assert not unknown, f"add these methods' scopes to the table: {unknown}"
    needed = {scope for m in called for scope in (SCOPES[m] or "").split()} | {"commands"}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    assert commands.SUBCOMMANDS  # the slash command has subcommands to route to


def _events_handled() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "commands").rglob("*.py"):
        found |= set(re.findall(r"app\.event\(\"([a-z_]+)\"\)", path.read_text()))
    return found


def test_manifest_subscribes_to_the_events_the_code_handles() -> None:
    manifest = _manifest()
    handled = _events_handled()
    assert "app_home_opened" in handled
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == handled
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
