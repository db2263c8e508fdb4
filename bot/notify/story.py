"""What a page, a mail or a ticket says about an incident, read from the database and rendered from templates:
one line (`summary`), the communication template's text (`body`), the links back, and the facts as key/values."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import incidents
from bot.config import Config
from bot.models import Incident, TimelineEvent
from bot.texts import Texts

__all__ = ["People", "Story", "channel_url", "read_story"]


class People(Protocol):
    """Who a Slack user is outside Slack: a handle for text, an email for Jira (None when unknown)."""

    async def name(self, user_id: str) -> str: ...

    def known_name(self, user_id: str) -> str | None:
        """The handle if already known, without asking Slack (a page never waits for Slack)."""
        ...

    async def email(self, user_id: str) -> str | None: ...


def channel_url(channel_id: str | None) -> str | None:
    return f"https://slack.com/app_redirect?channel={channel_id}" if channel_id else None


@dataclass(frozen=True)
class Story:
    incident: Incident
    ref: str
    summary: str
    body: str
    links: list[tuple[str, str]]
    details: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)
    snap: incidents.IncidentSnapshot | None = None

    def render_event(self, texts: Texts, event: TimelineEvent) -> str:
        """An update's text (a status update, a severity change, the resolution), for a mail or a comment."""
        return texts.render_text(
            "notify_update.txt.j2", people=self.people, snap=self.snap, event=event, data=event.data, links=self.links
        )


async def read_story(
    session: AsyncSession,
    *,
    incident_id: int,
    config: Config,
    texts: Texts,
    people: People,
    extra_people: Callable[[], Awaitable[list[str]]] | None = None,
    ask_slack: bool = True,
) -> Story:
    """With `ask_slack` false (a page), people are named only as far as they are already known."""
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise ValueError(f"incident {incident_id} does not exist")
    snap = await incidents.snapshot(session, incident)
    model = config.model(incident.model)
    ids = {incident.declared_by, *(u for users in snap.roles.values() for u in users)}
    ids |= set(await extra_people()) if extra_people else set()
    if ask_slack:
        names = {u: await people.name(u) for u in sorted(ids) if u[:1] in ("U", "W")}
    else:
        names = {u: known for u in sorted(ids) if u[:1] in ("U", "W") and (known := people.known_name(u))}
    links = [(label, href) for label, href in (("Slack", channel_url(incident.channel_id)),) if href]
    if model is not None:
        links += [(label, href) for label, href in (("Dashboard", model.dashboard), ("Runbook", model.runbook)) if href]
    triage = incident.triage or {}
    why = ""
    if triage.get("findings"):
        why = texts.render_text(
            "triage_findings.md.j2",
            people=names,
            findings=triage["findings"],
            actions=[],
            kind=None,
            kind_label=None,
            checks=[],
            unknowns=[],
            names={metric: slo.name for metric, slo in (model.slos.items() if model else ()) if slo.name},
        )
    context = {"snap": snap, "why": why, "links": links}
    details = {
        "incident": snap.ref,
        "severity": incident.severity,
        "status": str(incident.status),
        "declared_at": incident.declared_at.isoformat(),
    }
    if incident.model:
        details["model"] = incident.model
    if triage.get("kind"):
        details["type"] = str(triage.get("kind_label") or triage["kind"])
    if why:
        details["why"] = why
    details.update({label.lower(): href for label, href in links})
    return Story(
        incident=incident,
        ref=snap.ref,
        summary=texts.render_text("notify_summary.txt.j2", people=names, **context)[:250],
        body=texts.render_text("notify_body.txt.j2", people=names, **context),
        links=links,
        details=details,
        people=names,
        snap=snap,
    )
