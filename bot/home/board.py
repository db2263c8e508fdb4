"""What one person's App Home shows, read from the records: the open incidents (the ones they hold a role in first,
then by severity, newest first), a page at a time; each with its commander, next update and the containment in
place; the models whose deploys are frozen and why; the drills under way; the last 30 days' numbers (drills left
out) and the alert rules most often noise. A bounded number of queries, whatever the number of incidents: only the
page's incidents are loaded whole."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.incidents.records import IncidentSnapshot
from bot.insights.stats import Insights, contained, insights
from bot.insights.tuning import RuleNoise, noisiest
from bot.models import Action, DeployFreeze, Drill, Incident, IncidentStatus, Role, RoleAssignment

__all__ = ["PAGE_SIZE", "HomeBoard", "HomeIncident", "home_board"]

PAGE_SIZE = 15  # open incidents per page: the view stays far inside Slack's 100 blocks
DAYS = 30
SEVERITY_ORDER = {"SEV1": 0, "SEV2": 1, "SEV3": 2, "SEV4": 3}


@dataclass(frozen=True)
class HomeIncident:
    snap: IncidentSnapshot
    mine: tuple[str, ...]  # the roles the person holds in it
    contained: tuple[Action, ...]  # containment that succeeded, oldest first

    @property
    def incident(self) -> Incident:
        return self.snap.incident


@dataclass(frozen=True)
class HomeBoard:
    user: str
    now: datetime
    page: int  # from 0
    pages: int
    open_total: int
    mine_total: int
    incidents: list[HomeIncident]
    frozen: list[DeployFreeze]
    drills: list[tuple[Drill, Incident | None]]
    stats: Insights
    noisy: list[RuleNoise]


async def home_board(session: AsyncSession, *, user: str, now: datetime, page: int = 0) -> HomeBoard:
    is_open = col(Incident.status) != IncidentStatus.RESOLVED
    real = col(Incident.drill).is_(None)
    heads = (
        await session.exec(select(Incident.id, Incident.severity, Incident.declared_at).where(is_open, real))
    ).all()
    held = await session.exec(
        select(RoleAssignment.incident_id, RoleAssignment.role)
        .join(Incident, col(Incident.id) == col(RoleAssignment.incident_id))
        .where(RoleAssignment.user_id == user, col(RoleAssignment.ended_at).is_(None), is_open)
    )
    mine: dict[int, list[str]] = defaultdict(list)
    for incident_id, role in held.all():
        mine[incident_id].append(role)
    ordered = sorted(
        heads, key=lambda h: (h[0] not in mine, SEVERITY_ORDER.get(h[1], 9), -h[2].timestamp(), -(h[0] or 0))
    )
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = [h[0] for h in ordered[page * PAGE_SIZE : (page + 1) * PAGE_SIZE] if h[0] is not None]
    incidents = await _page(session, shown, mine)
    frozen = (
        await session.exec(
            select(DeployFreeze).where(col(DeployFreeze.ended_at).is_(None)).order_by(col(DeployFreeze.model))
        )
    ).all()
    running = (await session.exec(select(Drill).where(col(Drill.ended_at).is_(None)).order_by(col(Drill.id)))).all()
    drill_incidents = {i.id: i for i in await _incidents(session, [d.incident_id for d in running if d.incident_id])}
    return HomeBoard(
        user=user,
        now=now,
        page=page,
        pages=pages,
        open_total=len(ordered),
        mine_total=sum(1 for h in ordered if h[0] in mine),
        incidents=incidents,
        frozen=list(frozen),
        drills=[(d, drill_incidents.get(d.incident_id)) for d in running],
        stats=await insights(session, now=now, days=DAYS),
        noisy=await noisiest(session, now=now, days=DAYS, limit=3),
    )


async def _incidents(session: AsyncSession, ids: list[int]) -> list[Incident]:
    if not ids:
        return []
    return list((await session.exec(select(Incident).where(col(Incident.id).in_(ids)))).all())


async def _page(session: AsyncSession, shown: list[int], mine: dict[int, list[str]]) -> list[HomeIncident]:
    if not shown:
        return []
    loaded = {i.id: i for i in await _incidents(session, shown)}
    roles: dict[int, dict[Role, list[str]]] = {i: {} for i in shown}
    current = await session.exec(
        select(RoleAssignment)
        .where(col(RoleAssignment.incident_id).in_(shown), col(RoleAssignment.ended_at).is_(None))
        .order_by(col(RoleAssignment.id))
    )
    for assignment in current.all():
        roles[assignment.incident_id].setdefault(Role(assignment.role), []).append(assignment.user_id)
    done = await contained(session, shown)
    return [
        HomeIncident(
            snap=IncidentSnapshot(incident=loaded[i], roles=roles[i]),
            mine=tuple(mine.get(i, ())),
            contained=tuple(done[i]),
        )
        for i in shown
    ]
