"""Jira Cloud's REST API v3: an issue per incident (summary, the card's text, labels model and type, a link back),
an issue per action item linked to it (assigned where Jira knows the owner's email), a comment at the end.
Basic auth with an API token. Every issue carries a marker label, so a create whose answer was lost is found by a
search instead of being made again."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.config import JiraSettings
from bot.notify.wire import Refused, call_json

__all__ = ["Jira", "adf"]


def adf(text: str, *, link: tuple[str, str] | None = None) -> dict[str, Any]:
    """Plain text as an Atlassian Document: a paragraph per blank-line-separated block, lines kept; `link` last."""
    content: list[dict[str, Any]] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        nodes: list[dict[str, Any]] = []
        for n, line in enumerate(block.split("\n")):
            if n:
                nodes.append({"type": "hardBreak"})
            if line:
                nodes.append({"type": "text", "text": line})
        if nodes:
            content.append({"type": "paragraph", "content": nodes})
    if link is not None:
        label, href = link
        content.append(
            {
                "type": "paragraph",
                "content": [{"type": "text", "text": label, "marks": [{"type": "link", "attrs": {"href": href}}]}],
            }
        )
    return {"type": "doc", "version": 1, "content": content or [{"type": "paragraph", "content": []}]}


def _label(text: str) -> str:
    """Jira labels have no spaces."""
    return re.sub(r"\s+", "-", text.strip())[:255]


class Jira:
    def __init__(
        self, *, http: aiohttp.ClientSession, settings: JiraSettings, user: str | None, token: str | None
    ) -> None:
        self.http = http
        self.settings = settings
        self.user = user
        self.token = token
        self.base = str(settings.url).rstrip("/")

    async def _call(self, method: str, path: str, *, body: object = None, params: dict[str, str] | None = None) -> Any:
        if not self.user or not self.token:
            raise Refused(f"Jira: {self.settings.user_env} and {self.settings.token_env} must both be set")
        return await call_json(
            self.http,
            method,
            f"{self.base}{path}",
            what="Jira",
            timeout_s=self.settings.timeout_s,
            body=body,
            params=params,
            headers={"Authorization": "Basic " + base64.b64encode(f"{self.user}:{self.token}".encode()).decode()},
        )

    def browse(self, key: str) -> str:
        return f"{self.base}/browse/{key}"

    async def find(self, marker: str) -> str | None:
        """The issue already carrying `marker`, if an earlier try made it."""
        found = await self._call(
            "GET",
            "/rest/api/3/search/jql",
            params={"jql": f'labels = "{marker}"', "fields": "summary", "maxResults": "1"},
        )
        issues = (found or {}).get("issues") or []
        return str(issues[0]["key"]) if issues else None

    async def create(
        self,
        *,
        summary: str,
        description: str,
        labels: list[str],
        marker: str,
        link: tuple[str, str] | None,
        assignee: str | None = None,
        earlier_try: bool = False,
    ) -> str:
        if earlier_try and (key := await self.find(marker)) is not None:
            return key
        fields: dict[str, Any] = {
            "project": {"key": self.settings.project},
            "issuetype": {"name": self.settings.issue_type},
            "summary": " ".join(summary.split())[:255],
            "description": adf(description, link=link),
            "labels": list(dict.fromkeys(_label(x) for x in [*labels, "sevbot", marker] if x.strip())),
        }
        if assignee:
            fields["assignee"] = {"accountId": assignee}
        created = await self._call("POST", "/rest/api/3/issue", body={"fields": fields})
        return str(created["key"])

    async def link(self, *, inward: str, outward: str) -> None:
        await self._call(
            "POST",
            "/rest/api/3/issueLink",
            body={
                "type": {"name": self.settings.link_type},
                "inwardIssue": {"key": inward},
                "outwardIssue": {"key": outward},
            },
        )

    async def comment(self, key: str, text: str, *, marker: str, earlier_try: bool = False) -> None:
        """A comment ending with `marker`; after an earlier try, not added again if it is there."""
        if earlier_try:
            found = await self._call("GET", f"/rest/api/3/issue/{quote(key)}/comment", params={"maxResults": "100"})
            for comment in (found or {}).get("comments") or []:
                if marker in str(comment.get("body")):
                    return
        await self._call("POST", f"/rest/api/3/issue/{quote(key)}/comment", body={"body": adf(f"{text}\n\n{marker}")})

    async def account_of(self, email: str) -> str | None:
        """The Jira account with this email, when Jira knows (and shows) it."""
        found = await self._call("GET", "/rest/api/3/user/search", params={"query": email, "maxResults": "2"})
        for user in found or []:
            if str(user.get("emailAddress", "")).lower() == email.lower() or len(found) == 1:
                return str(user["accountId"])
        return None

    async def reach(self) -> str:
        me = await self._call("GET", "/rest/api/3/myself")
        return f"logged in as {me.get('displayName') or me.get('emailAddress') or me.get('accountId')}"
