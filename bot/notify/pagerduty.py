"""PagerDuty's Events API v2: trigger a page with the incident as its dedup key, acknowledge it, resolve it.
https://developer.pagerduty.com/docs/events-api-v2/overview — 202 accepted; 400 a bad event; 429 and 5xx retried."""

from __future__ import annotations

import aiohttp

from bot.config import PagerDutySettings
from bot.models import Notification
from bot.notify.story import Story
from bot.notify.wire import Refused, call_json

__all__ = ["SEVERITY", "PagerDuty"]

SEVERITY = {"SEV1": "critical", "SEV2": "error", "SEV3": "warning", "SEV4": "info"}


class PagerDuty:
    def __init__(self, *, http: aiohttp.ClientSession, settings: PagerDutySettings, routing_key: str | None) -> None:
        self.http = http
        self.settings = settings
        self.routing_key = routing_key

    async def _send(self, body: dict[str, object]) -> None:
        if not self.routing_key:
            raise Refused(f"PagerDuty: {self.settings.routing_key_env} is unset")
        await call_json(
            self.http,
            "POST",
            self.settings.events_url,
            what="PagerDuty Events API",
            timeout_s=self.settings.timeout_s,
            body={"routing_key": self.routing_key, **body},
        )

    async def trigger(self, notification: Notification, story: Story, *, asked_for: str | None = None) -> None:
        incident = story.incident
        details = dict(story.details)
        if asked_for:
            details["paged_for"] = asked_for
        summary = story.summary if not asked_for else f"{story.summary} — paging {asked_for}"
        payload: dict[str, object] = {
            "summary": summary[:1024],
            "source": "sevbot",
            "severity": SEVERITY.get(incident.severity, "error"),
            "timestamp": incident.declared_at.isoformat(),
            "class": details.get("type", "ml-incident"),
            "custom_details": details,
        }
        if incident.model:
            payload["component"] = incident.model
            payload["group"] = "ml-models"
        await self._send(
            {
                "event_action": "trigger",
                "dedup_key": notification.key,
                "payload": payload,
                "client": "sevbot",
                **({"client_url": story.links[0][1]} if story.links else {}),
                "links": [{"href": href, "text": label} for label, href in story.links],
            }
        )

    async def link(self, notification: Notification, story: Story) -> None:
        """The same page again (PagerDuty adds it to the open alert's log): now with the incident channel's link."""
        await self.trigger(notification, story, asked_for=notification.data.get("for_name"))

    async def acknowledge(self, notification: Notification) -> None:
        await self._send({"event_action": "acknowledge", "dedup_key": notification.key})

    async def resolve(self, notification: Notification) -> None:
        await self._send({"event_action": "resolve", "dedup_key": notification.key})

    async def reach(self) -> str:
        """There is no read call on the Events API: an acknowledge of a key no page has is accepted (202) with a
        valid routing key and refused (400) with a bad one, and changes nothing."""
        await self._send({"event_action": "acknowledge", "dedup_key": "sevbot-check-online"})
        return "routing key accepted by the Events API"
