"""Stand-ins for PagerDuty's Events API, Opsgenie's Alert API and Jira Cloud's REST API on loopback, answering as
each service documents (status codes, bodies, `Retry-After`), with the state a person would look at (the pages and
their status, the alerts, the issues with their comments and links). The demo and the sandbox page through them; the
tests also check every request against the service's published API description (`check`) and make them fail on
cue (`fail_next`). PagerDuty's v3 webhooks are signed here as PagerDuty signs them (`pagerduty_webhook`)."""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import itertools
import json
import uuid
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.notify import Credentials

__all__ = [
    "WEBHOOK_SECRET",
    "Beyond",
    "Call",
    "JiraStandIn",
    "OpsgenieStandIn",
    "PagerDutyStandIn",
    "StandIn",
    "pagerduty_webhook",
]

Check = Callable[[str, str, dict[str, str], Any], list[str]]


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class _Failure:
    status: int  # 0: no failure, the answer is only late (`hang_s`); -1: done, and its answer lost
    retry_after: float | None
    body: Any
    hang_s: float = 0.0


class StandIn(ABC):
    """An aiohttp server on a free loopback port; subclasses add the routes and the state."""

    def __init__(self, *, check: Check | None = None) -> None:
        self.check = check
        self.calls: list[Call] = []
        self.invalid: list[str] = []  # what a request broke of the published description
        self._failures: deque[_Failure] = deque()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def fail_next(self, status: int, *, times: int = 1, retry_after: float | None = None, body: Any = None) -> None:
        for _ in range(times):
            self._failures.append(_Failure(status, retry_after, body or {"message": f"stand-in failure {status}"}))

    @abstractmethod
    def routes(self, app: web.Application) -> None: ...

    def lose_next(self, *, times: int = 1) -> None:
        """The next requests are done, and their answers lost (a 502 from a proxy after the service acted)."""
        for _ in range(times):
            self._failures.append(_Failure(-1, None, None))

    def hang_next(self, seconds: float, *, times: int = 1) -> None:
        """The next requests are answered (as usual) only after `seconds`: a caller killed meanwhile never hears."""
        for _ in range(times):
            self._failures.append(_Failure(0, None, None, hang_s=seconds))

    async def start(self) -> str:
        app = web.Application(middlewares=[self._middleware])
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        call = Call(request.method, request.path, dict(request.query), body, dict(request.headers))
        self.calls.append(call)
        if self.check is not None:
            problems = self.check(request.method, request.path, dict(request.query), body)
            if problems:
                self.invalid += [f"{request.method} {request.path}: {p}" for p in problems]
                return web.json_response({"message": "invalid request", "errors": problems}, status=400)
        if self._failures:
            failure = self._failures.popleft()
            if failure.status == 0:
                await asyncio.sleep(failure.hang_s)
                late: web.StreamResponse = await handler(request)
                return late
            if failure.status == -1:
                await handler(request)
                return web.Response(status=502, text="Bad Gateway")
            headers = {"Retry-After": f"{failure.retry_after:g}"} if failure.retry_after is not None else {}
            return web.json_response(failure.body, status=failure.status, headers=headers)
        response: web.StreamResponse = await handler(request)
        return response


class PagerDutyStandIn(StandIn):
    """`POST /v2/enqueue`: trigger, acknowledge and resolve alerts by dedup key (202, or 400 for a bad key)."""

    def __init__(self, *, routing_key: str, check: Check | None = None) -> None:
        super().__init__(check=check)
        self.routing_key = routing_key
        self.pages: dict[str, dict[str, Any]] = {}  # by dedup key: status, summary, severity, the events

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/enqueue", self.enqueue)

    async def enqueue(self, request: web.Request) -> web.Response:
        event = json.loads(await request.read())
        if event.get("routing_key") != self.routing_key:
            return web.json_response(
                {"status": "invalid event", "message": "Event object is invalid", "errors": ["Invalid routing key"]},
                status=400,
            )
        key = str(event.get("dedup_key") or uuid.uuid4().hex)
        action = event["event_action"]
        page = self.pages.get(key)
        if action == "trigger":
            if page is None or page["status"] == "resolved":
                payload = event["payload"]
                page = {"status": "triggered", "summary": payload["summary"], "severity": payload["severity"]}
                page.update(events=[], details=payload.get("custom_details") or {}, links=event.get("links") or [])
                self.pages[key] = page
            else:  # deduplicated into the open alert: its log shows this event's links too
                page["links"] += [link for link in event.get("links") or [] if link not in page["links"]]
            page["events"].append("trigger")
        elif page is not None and page["status"] != "resolved":
            page["status"] = {"acknowledge": "acknowledged", "resolve": "resolved"}[action]
            page["events"].append(action)
        return web.json_response({"status": "success", "message": "Event processed", "dedup_key": key}, status=202)


class OpsgenieStandIn(StandIn):
    """The Alert API: create (by alias, deduplicated), acknowledge, close, list; `GenieKey` auth or 401."""

    def __init__(self, *, api_key: str, check: Check | None = None) -> None:
        super().__init__(check=check)
        self.api_key = api_key
        self.alerts: dict[str, dict[str, Any]] = {}  # by alias

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v2/alerts", self.create)
        app.router.add_get("/v2/alerts", self.list)
        app.router.add_post("/v2/alerts/{identifier}/{action}", self.act)

    def _answer(self, status: int = 202, **body: Any) -> web.Response:
        return web.json_response({"took": 0.01, "requestId": str(uuid.uuid4()), **body}, status=status)

    def _refused(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"GenieKey {self.api_key}":
            return self._answer(401, message="Could not authenticate")
        return None

    async def create(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        alert = json.loads(await request.read())
        alias = alert.get("alias") or uuid.uuid4().hex
        if alias in self.alerts and self.alerts[alias]["status"] != "closed":
            self.alerts[alias]["count"] += 1
        else:
            self.alerts[alias] = {**alert, "status": "open", "acknowledged": False, "count": 1}
        return self._answer(result="Request will be processed")

    async def list(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        return self._answer(200, data=[{"alias": a, "status": s["status"]} for a, s in self.alerts.items()][:20])

    async def act(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        alert = self.alerts.get(request.match_info["identifier"])
        if alert is None:
            return self._answer(404, message="Alert does not exist")
        if request.match_info["action"] == "acknowledge":
            alert["acknowledged"] = True
        elif request.match_info["action"] == "close":
            alert["status"] = "closed"
        return self._answer(result="Request will be processed")


@dataclass
class JiraUser:
    account_id: str
    email: str
    name: str


@dataclass
class _Issue:
    key: str
    fields: dict[str, Any]
    comments: list[dict[str, Any]] = field(default_factory=list)
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (type, inward, outward)


class JiraStandIn(StandIn):
    """Issues (created, searched by label), comments, links, users by email, `myself`; basic auth or 401."""

    def __init__(
        self,
        *,
        user: str,
        token: str,
        project: str = "MLOPS",
        people: list[JiraUser] | None = None,
        check: Check | None = None,
    ) -> None:
        super().__init__(check=check)
        self.auth = "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
        self.user = user
        self.project = project
        self.people = people or []
        self.issues: dict[str, _Issue] = {}
        self._numbers = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/rest/api/3/issue", self.create)
        app.router.add_get("/rest/api/3/search/jql", self.search)
        app.router.add_get("/rest/api/3/issue/{key}/comment", self.comments)
        app.router.add_post("/rest/api/3/issue/{key}/comment", self.comment)
        app.router.add_post("/rest/api/3/issueLink", self.link)
        app.router.add_get("/rest/api/3/user/search", self.user_search)
        app.router.add_get("/rest/api/3/myself", self.myself)

    def _refused(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != self.auth:
            return web.Response(status=401, text="Client must be authenticated to access this resource.")
        return None

    def _issue(self, key: str) -> _Issue | None:
        return self.issues.get(key)

    async def create(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        fields = json.loads(await request.read())["fields"]
        if fields["project"].get("key") != self.project:
            return web.json_response(
                {"errorMessages": [], "errors": {"project": "valid project is required"}}, status=400
            )
        assignee = (fields.get("assignee") or {}).get("accountId")
        if assignee and assignee not in {p.account_id for p in self.people}:
            return web.json_response({"errorMessages": [], "errors": {"assignee": "User does not exist"}}, status=400)
        n = next(self._numbers)
        key = f"{self.project}-{n}"
        self.issues[key] = _Issue(key=key, fields=fields)
        return web.json_response(
            {"id": str(10000 + n), "key": key, "self": f"{self.url}/rest/api/3/issue/{10000 + n}"}, status=201
        )

    async def search(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        jql = request.query.get("jql", "")
        label = jql.split('"')[1] if jql.count('"') >= 2 else ""
        found = [i for i in self.issues.values() if label in (i.fields.get("labels") or [])]
        return web.json_response(
            {"issues": [{"id": i.key, "key": i.key, "fields": {"summary": i.fields["summary"]}} for i in found]}
        )

    async def comments(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        issue = self._issue(request.match_info["key"])
        if issue is None:
            return web.json_response(
                {"errorMessages": ["Issue does not exist or you do not have permission to see it."]}, status=404
            )
        return web.json_response(
            {"comments": issue.comments, "startAt": 0, "maxResults": 100, "total": len(issue.comments)}
        )

    async def comment(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        issue = self._issue(request.match_info["key"])
        if issue is None:
            return web.json_response(
                {"errorMessages": ["Issue does not exist or you do not have permission to see it."]}, status=404
            )
        body = json.loads(await request.read())["body"]
        comment = {"id": str(len(issue.comments) + 1), "body": body, "created": datetime.now(UTC).isoformat()}
        issue.comments.append(comment)
        return web.json_response(comment, status=201)

    async def link(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        body = json.loads(await request.read())
        inward, outward = body["inwardIssue"]["key"], body["outwardIssue"]["key"]
        if inward not in self.issues or outward not in self.issues:
            return web.json_response({"errorMessages": ["Issue does not exist."]}, status=404)
        self.issues[inward].links.append((body["type"]["name"], inward, outward))
        return web.Response(status=201)

    async def user_search(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        query = request.query.get("query", "").lower()
        found = [p for p in self.people if query and (query in p.email.lower() or query in p.name.lower())]
        return web.json_response(
            [{"accountId": p.account_id, "emailAddress": p.email, "displayName": p.name, "active": True} for p in found]
        )

    async def myself(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        return web.json_response({"accountId": "sevbot-account", "emailAddress": self.user, "displayName": "sevbot"})

    def text_of(self, key: str) -> str:
        """An issue's description as a person reads it (the document's text, links as their label)."""
        return _adf_text(self.issues[key].fields.get("description"))

    def comment_texts(self, key: str) -> list[str]:
        return [_adf_text(c["body"]) for c in self.issues[key].comments]


def _adf_text(node: Any) -> str:
    if isinstance(node, dict):
        if node.get("type") == "text":
            return str(node.get("text", ""))
        if node.get("type") == "hardBreak":
            return "\n"
        inner = "".join(_adf_text(c) for c in node.get("content") or [])
        return inner + ("\n\n" if node.get("type") == "paragraph" else "")
    return ""


def pagerduty_webhook(
    secret: str,
    *,
    event_type: str,
    incident_key: str,
    agent: str | None = "Dana On-call",
    assignees: tuple[str, ...] = (),
) -> tuple[bytes, dict[str, str]]:
    """A v3 webhook as PagerDuty sends it (its docs' incident payload), with `X-PagerDuty-Signature`."""
    body = {
        "event": {
            "id": str(uuid.uuid4()),
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": datetime.now(UTC).isoformat(),
            "agent": {"id": "PLH1HKV", "summary": agent, "type": "user_reference"} if agent else None,
            "client": {"name": "PagerDuty"},
            "data": {
                "id": "PGR0VU2",
                "type": "incident",
                "self": "https://api.pagerduty.com/incidents/PGR0VU2",
                "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
                "number": 2,
                "status": {"incident.acknowledged": "acknowledged", "incident.resolved": "resolved"}.get(
                    event_type, "triggered"
                ),
                "incident_key": incident_key,
                "title": "sevbot page",
                "assignees": [
                    {"id": f"P{n}", "summary": name, "type": "user_reference"} for n, name in enumerate(assignees)
                ],
                "urgency": "high",
            },
        }
    }
    raw = json.dumps(body).encode()
    signature = "v1=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"Content-Type": "application/json", "X-PagerDuty-Signature": signature}


ROUTING_KEY, WEBHOOK_SECRET = "demo-routing-key", "demo-webhook-secret"


class DeployStandIn(StandIn):
    """A team's deploy API as runbook actions call it (`actions:` in sevbot.yml): it takes any request on any path
    and answers 202 with a job, keeping each call."""

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self._any)

    async def _any(self, request: web.Request) -> web.Response:
        return web.json_response({"accepted": True, "job": f"job-{len(self.calls)}"}, status=202)


class Beyond:
    """The demo's and the sandbox's PagerDuty, Jira and deploy API: local stand-ins that answer as the services do,
    and what reached them, in words (`news`: what is new since the last look; `told`: all of it)."""

    def __init__(self) -> None:
        self.pagerduty = PagerDutyStandIn(routing_key=ROUTING_KEY)
        self.jira = JiraStandIn(
            user="sevbot@example.com", token="demo", people=[JiraUser("acc-carol", "carol@example.com", "carol")]
        )
        self.deploy = DeployStandIn()  # the runbook actions' endpoint
        self._seen = {"pagerduty": 0, "jira": 0, "deploy": 0}
        self._opened = 0
        self.told: list[str] = []
        self._paged: set[str] = set()

    async def start(self) -> None:
        await self.pagerduty.start()
        await self.jira.start()
        await self.deploy.start()

    async def stop(self) -> None:
        await self.pagerduty.stop()
        await self.jira.stop()
        await self.deploy.stop()

    def config(self, config: dict[str, Any]) -> dict[str, Any]:
        given = copy.deepcopy(config)
        given["integrations"]["pagerduty"]["events_url"] = f"{self.pagerduty.url}/v2/enqueue"
        given["integrations"]["jira"]["url"] = self.jira.url
        for model in given["models"].values():  # runbook actions call the deploy API stand-in
            for action in (model.get("actions") or {}).values():
                action["url"] = str(action["url"]).replace("https://deploy.example", self.deploy.url)
        return given

    def credentials(self) -> Credentials:
        return Credentials(
            pagerduty_routing_key=SecretStr(ROUTING_KEY),
            pagerduty_webhook_secret=SecretStr(WEBHOOK_SECRET),
            jira_user="sevbot@example.com",
            jira_token=SecretStr("demo"),
        )

    def news(self) -> list[str]:
        lines = []
        for call in self.pagerduty.calls[self._seen["pagerduty"] :]:
            body = call.body or {}
            page = self.pagerduty.pages.get(str(body.get("dedup_key")), {})
            if body.get("event_action") == "trigger":
                if body.get("dedup_key") in self._paged:
                    continue  # the same page again, with the channel's link: PagerDuty only logs it
                self._paged.add(str(body.get("dedup_key")))
            what = {"trigger": f"pages the on-call: {page.get('summary', '')} ({page.get('severity')})"}
            lines.append(
                "PagerDuty ← sevbot " + what.get(str(body.get("event_action")), f"{body.get('event_action')}s the page")
            )
        for call in self.jira.calls[self._seen["jira"] :]:
            if call.method != "POST":
                continue
            if call.path.endswith("/issue"):
                self._opened += 1
                key = f"{self.jira.project}-{self._opened}"
                who = " (assigned to carol)" if call.body["fields"].get("assignee") else ""
                lines.append(f"Jira ← sevbot opens {key}: {call.body['fields']['summary']}{who}")
            elif call.path.endswith("/comment"):
                lines.append(f"Jira ← sevbot comments on {call.path.split('/')[-2]}: the resolution")
            elif call.path.endswith("/issueLink"):
                lines.append(
                    f"Jira ← sevbot links {call.body['inwardIssue']['key']} to {call.body['outwardIssue']['key']}"
                )
        for call in self.deploy.calls[self._seen["deploy"] :]:
            body = f" {json.dumps(call.body)}" if call.body is not None else ""
            lines.append(f"Deploy API ← sevbot {call.method} {call.path}{body}")
        self._seen = {
            "pagerduty": len(self.pagerduty.calls),
            "jira": len(self.jira.calls),
            "deploy": len(self.deploy.calls),
        }
        self.told += lines
        return lines
