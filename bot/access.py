"""Who may act: one rule, called by every path that can reach containment or cancel a plan.

Containment (rollback, fallback, canary, review, and the Confirm that runs them) is for:
- the model's owners and on-call (`models.<name>.owners|oncall` in sevbot.yml);
- the `responders`, users or members of user groups (`S…`, resolved through a `Directory`);
- people holding a role on the incident that someone already entitled gave them (transitively);
- in a drill, on its model alone (a simulated service): the people the drill was started with, instead of all of
  the above.

Taking a role yourself, acknowledging, or declaring the incident grants nothing: coordination is open to
everyone, acting on production is not. *Cancel* is for whoever asked for the plan and for the entitled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.drills.identity import drill_for, drill_id
from bot.errors import Problem, UserError
from bot.models import SYSTEM_ACTOR, Incident, Role, RoleAssignment

__all__ = [
    "SYSTEM_ACTOR",
    "Directory",
    "NotYours",
    "Reason",
    "Verdict",
    "check_undo",
    "may_cancel",
    "may_contain",
    "may_coordinate",
    "may_undo",
]


class Directory(Protocol):
    """Members of a user group (`S…`); an unknown or unreachable group has none."""

    async def members(self, group: str) -> frozenset[str]: ...


class Reason(StrEnum):
    """Why someone may act, or why not (`templates/refused.md.j2` says it)."""

    OWNER = "owner"  # an owner of the model
    ONCALL = "oncall"  # on-call for the model
    RESPONDER = "responder"  # a responder in sevbot.yml
    RESPONDER_GROUP = "responder_group"  # a member of a responder user group (`group`)
    GIVEN_ROLE = "given_role"  # holds `role` in `incident`, given by `given_by`
    REQUESTER = "requester"  # who asked for it (cancel)
    ROLE_HOLDER = "role_holder"  # holds a role in `incident` (undoing it: take command, lower severity, resolve)
    DRILL_PERSON = "drill_person"  # one of the people a drill was started with, on its model
    NOT_ENTITLED = "not_entitled"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    allowed: bool
    reason: Reason
    model: str = ""
    group: str = ""  # the responder group that lets them act
    role: str = ""  # the role given to them, in `incident`, by `given_by`
    incident: int | None = None
    given_by: str = ""
    holders: tuple[str, ...] = ()  # the incident's role holders, who may undo it
    owners: tuple[str, ...] = ()
    oncall: tuple[str, ...] = ()
    responders: tuple[str, ...] = ()  # user IDs and group IDs as configured

    @property
    def who(self) -> tuple[str, ...]:
        """Everyone named in sevbot.yml who may act, for the refusal's "ask one of them"."""
        return tuple(dict.fromkeys((*self.owners, *self.oncall, *self.responders)))


def _is_group(ref: str) -> bool:
    return ref.startswith("S")


async def _responder(config: Config, directory: Directory, user: str) -> dict[str, str] | None:
    """Why the person is a responder (a Verdict's reason and group), or None."""
    if user in config.responders:
        return {"reason": Reason.RESPONDER, "group": ""}
    for ref in config.responders:
        if _is_group(ref) and user in await directory.members(ref):
            return {"reason": Reason.RESPONDER_GROUP, "group": ref}
    return None


async def _granted_roles(session: AsyncSession, incident: Incident, entitled: set[str]) -> dict[str, RoleAssignment]:
    """Current role holders whose role came, directly or through others, from someone entitled."""
    current = (
        await session.exec(
            select(RoleAssignment)
            .where(RoleAssignment.incident_id == incident.id, col(RoleAssignment.ended_at).is_(None))
            .order_by(col(RoleAssignment.id))
        )
    ).all()
    granted: dict[str, RoleAssignment] = {}
    trusted = set(entitled)
    changed = True
    while changed:
        changed = False
        for assignment in current:
            holder, giver = assignment.user_id, assignment.assigned_by
            if holder in trusted or giver == holder or giver not in trusted:
                continue
            granted[holder] = assignment
            trusted.add(holder)
            changed = True
    return granted


async def _drill_people(session: AsyncSession, model: str | None) -> tuple[str, ...] | None:
    """A drill's people, for its model; None for a real model."""
    drill = await drill_for(session, model)
    return tuple(drill.people) if drill is not None else (() if drill_id(model) is not None else None)


async def _entitled_base(
    session: AsyncSession, config: Config, directory: Directory, model: str | None, users: Iterable[str]
) -> set[str]:
    people = await _drill_people(session, model)
    if people is not None:
        return set(people)
    settings = config.model(model)
    base = set(config.responders)
    if settings is not None:
        base |= set(settings.owners) | set(settings.oncall)
    for user in users:  # group members among the people involved
        if user not in base and await _responder(config, directory, user):
            base.add(user)
    return base


async def may_contain(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    model: str,
    incident: Incident | None,
    user: str,
) -> Verdict:
    people = await _drill_people(session, model)  # a drill's simulated service: its people, instead of the rest
    settings = config.model(model) if people is None else None
    owners = people if people is not None else tuple(settings.owners) if settings else ()
    oncall = tuple(settings.oncall) if settings else ()
    responders = tuple(config.responders) if people is None else ()
    named: dict[str, Any] = {"owners": owners, "oncall": oncall, "responders": responders, "model": model}
    if user in owners:
        return Verdict(allowed=True, reason=Reason.OWNER if people is None else Reason.DRILL_PERSON, **named)
    if user in oncall:
        return Verdict(allowed=True, reason=Reason.ONCALL, **named)
    responder = await _responder(config, directory, user) if people is None else None
    if responder:
        return Verdict(allowed=True, reason=Reason(responder["reason"]), group=responder["group"], **named)
    if incident is not None and incident.id is not None:
        givers = (
            await session.exec(select(RoleAssignment.assigned_by).where(RoleAssignment.incident_id == incident.id))
        ).all()
        entitled = await _entitled_base(session, config, directory, model, givers)
        role = (await _granted_roles(session, incident, entitled)).get(user)
        if role is not None:
            return Verdict(
                allowed=True,
                reason=Reason.GIVEN_ROLE,
                role=role.role,
                incident=incident.id,
                given_by=role.assigned_by,
                **named,
            )
    return Verdict(allowed=False, reason=Reason.NOT_ENTITLED, **named)


async def may_cancel(
    session: AsyncSession,
    *,
    config: Config,
    directory: Directory,
    model: str,
    incident: Incident | None,
    user: str,
    requested_by: str,
) -> Verdict:
    """The person who asked may withdraw their own plan; otherwise the containment rule decides."""
    verdict = await may_contain(session, config=config, directory=directory, model=model, incident=incident, user=user)
    if user == requested_by and not verdict.allowed:
        return replace(verdict, allowed=True, reason=Reason.REQUESTER)
    return verdict


async def may_undo(
    session: AsyncSession, *, config: Config, directory: Directory, incident: Incident, user: str
) -> Verdict:
    """Undoing an incident — taking command from its commander, lowering its severity, resolving it — is for its
    people and whoever may contain its model. Its people are its commander, those sevbot gave a role (the declarer,
    the on-call and owners at declaration) and those given one by them or by someone entitled, directly or through a
    chain; any other role one took oneself (comms, say) lets one coordinate, not undo. Declaring,
    raising severity, notes, hypotheses and empty roles stay open to everyone."""
    current = (
        await session.exec(
            select(RoleAssignment)
            .where(RoleAssignment.incident_id == incident.id, col(RoleAssignment.ended_at).is_(None))
            .order_by(col(RoleAssignment.id))
        )
    ).all()
    # the commander (taking command from someone is refused, so whoever holds it holds it rightly) and whom sevbot
    # placed at declaration; then whoever they, or someone entitled, gave a role
    placed = {a.user_id for a in current if a.assigned_by == SYSTEM_ACTOR or a.role == Role.COMMANDER}
    entitled = await _entitled_base(session, config, directory, incident.model, [a.assigned_by for a in current])
    people = placed | set(await _granted_roles(session, incident, entitled | placed))
    holders = tuple(dict.fromkeys(a.user_id for a in current if a.user_id in people))
    if user in people:
        settings = config.model(incident.model)
        return Verdict(
            allowed=True,
            reason=Reason.ROLE_HOLDER,
            incident=incident.id,
            holders=holders,
            model=incident.model or "",
            owners=tuple(settings.owners) if settings else (),
            oncall=tuple(settings.oncall) if settings else (),
            responders=tuple(config.responders),
        )
    verdict = await may_contain(
        session, config=config, directory=directory, model=incident.model or "", incident=incident, user=user
    )
    return replace(verdict, holders=holders, incident=verdict.incident or incident.id)


async def may_coordinate(
    session: AsyncSession, *, config: Config, directory: Directory, incident: Incident, user: str
) -> bool:
    """Coordinating (paging someone, say) is for whoever holds a role in the incident, however they got it, and
    whoever may contain its model."""
    holds = (
        await session.exec(
            select(RoleAssignment.id).where(
                RoleAssignment.incident_id == incident.id,
                RoleAssignment.user_id == user,
                col(RoleAssignment.ended_at).is_(None),
            )
        )
    ).first()
    if holds is not None:
        return True
    verdict = await may_contain(
        session, config=config, directory=directory, model=incident.model or "", incident=incident, user=user
    )
    return verdict.allowed


class NotYours(UserError):
    """Someone with no part in an incident tried to undo it (`step`: take_command, lower_severity, resolve). Nothing
    changed; the caller records the attempt on the timeline (`incidents.record_refusal`) and tells the person."""

    def __init__(self, verdict: Verdict, *, step: str, incident_id: int, user: str) -> None:
        super().__init__(
            Problem.NOT_YOURS,
            step=step,
            incident=incident_id,
            model=verdict.model,
            holders=list(verdict.holders),
            owners=list(verdict.owners),
            oncall=list(verdict.oncall),
            responders=list(verdict.responders),
        )
        self.verdict = verdict
        self.step = step
        self.incident_id = incident_id
        self.user = user


async def check_undo(
    session: AsyncSession, *, config: Config, directory: Directory, incident: Incident, user: str, step: str
) -> None:
    """Raises NotYours unless `user` may undo the incident (`may_undo`)."""
    verdict = await may_undo(session, config=config, directory=directory, incident=incident, user=user)
    if not verdict.allowed:
        assert incident.id is not None
        raise NotYours(verdict, step=step, incident_id=incident.id, user=user)
