"""Opsgenie's Alert API: create an alert with the incident as its alias, acknowledge it, close it.
https://docs.opsgenie.com/docs/alert-api — 202 "Request will be processed"; details are strings."""

from __future__ import annotations

from urllib.parse import quote

import aiohttp

from bot.config import OpsgenieSettings
from bot.models import Notification
from bot.notify.story import Story
from bot.notify.wire import Refused, call_json

__all__ = ["PRIORITY", "Opsgenie"]

PRIORITY = {"SEV1": "P1", "SEV2": "P2", "SEV3": "P3", "SEV4": "P4"}


class Opsgenie:
    def __init__(self, *, http: aiohttp.ClientSession, settings: OpsgenieSettings, api_key: str | None) -> None:
        self.http = http
        self.settings = settings
        self.api_key = api_key

    async def _call(
        self, method: str, path: str, *, body: object = None, params: dict[str, str] | None = None
    ) -> object:
        if not self.api_key:
            raise Refused(f"Opsgenie: {self.settings.api_key_env} is unset")
        return await call_json(
            self.http,
            method,
            f"{str(self.settings.url).rstrip('/')}{path}",
            what="Opsgenie Alert API",
            timeout_s=self.settings.timeout_s,
            body=body,
            params=params,
            headers={"Authorization": f"GenieKey {self.api_key}"},
        )

    async def trigger(self, notification: Notification, story: Story, *, asked_for: str | None = None) -> None:
        incident = story.incident
        details = {k: str(v)[:8000] for k, v in story.details.items()}
        tags = ["sevbot", incident.severity] + ([incident.model] if incident.model else [])
        body: dict[str, object] = {
            "message": (story.summary if not asked_for else f"{story.summary} — paging {asked_for}")[:130],
            "alias": notification.key,
            "description": story.body[:15000],
            "tags": tags,
            "details": details,
            "source": "sevbot",
            "priority": PRIORITY.get(incident.severity, "P3"),
        }
        if incident.model:
            body["entity"] = incident.model
        await self._call("POST", "/v2/alerts", body=body)

    async def _act(self, notification: Notification, action: str, note: str) -> None:
        await self._call(
            "POST",
            f"/v2/alerts/{quote(notification.key, safe='')}/{action}",
            params={"identifierType": "alias"},
            body={"source": "sevbot", "note": note},
        )

    async def link(self, notification: Notification, story: Story) -> None:
        """The incident channel opened after the alert went out: its link, as a note on the alert."""
        note = "\n".join(f"{label}: {href}" for label, href in story.links)
        await self._call(
            "POST",
            f"/v2/alerts/{quote(notification.key, safe='')}/notes",
            params={"identifierType": "alias"},
            body={"source": "sevbot", "note": note[:25000]},
        )

    async def acknowledge(self, notification: Notification) -> None:
        await self._act(notification, "acknowledge", "acknowledged in Slack")

    async def resolve(self, notification: Notification) -> None:
        await self._act(notification, "close", "the incident is resolved")

    async def reach(self) -> str:
        await self._call("GET", "/v2/alerts", params={"limit": "1"})
        return "API key accepted (alerts readable)"
