"""The version ledger per model: which versions are known bad (an incident rolled back from them) and which are
known good (they passed a verification after containment). Plans show the marks; "the previous version" never
means one an incident just left; a plan that targets a known-bad version needs a second confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Incident, LiveVersion, VersionMark
from bot.runtime.outbox import OutboxKind, enqueue
from bot.serving import ServingState
from bot.world import real

__all__ = ["VERDICT", "Ledger", "Mark", "adopt", "ledger", "mark", "remember_live"]


class Mark(StrEnum):
    BAD = "bad"
    GOOD = "good"


VERDICT = {Mark.BAD: "known-bad", Mark.GOOD: "known-good"}  # as the registry keeps it
ADOPTED = {verdict: mark for mark, verdict in VERDICT.items()}


@dataclass(frozen=True)
class Ledger:
    """The newest mark of each version of one model."""

    model: str
    marks: dict[str, VersionMark]

    def is_bad(self, version: str | None) -> bool:
        found = self.marks.get(version or "")
        return found is not None and found.mark == Mark.BAD

    def mark_of(self, version: str | None) -> dict[str, Any] | None:
        """The version's newest mark as data (`_containment.md.j2`'s `mark` says it: "known bad: rolled back in
        INC-1 (mAP down on cams 23-40)", "known good: verified in INC-1"), or None."""
        found = self.marks.get(version or "")
        if found is None:
            return None
        return {"mark": str(found.mark), "incident": found.incident_id, "reason": found.reason, "by": found.marked_by}


async def ledger(session: AsyncSession, model: str) -> Ledger:
    rows = await session.exec(select(VersionMark).where(VersionMark.model == model).order_by(col(VersionMark.id)))
    return Ledger(model=model, marks={row.version: row for row in rows.all()})


async def mark(
    session: AsyncSession,
    *,
    model: str,
    version: str,
    mark: Mark,
    now: datetime,
    incident_id: int | None,
    action_id: int | None,
    reason: str = "",
    by: str | None = None,
    evidence: dict[str, Any] | None = None,
) -> None:
    """Mark a version, and queue the verdict for the registry in the same transaction (written there once, where
    the platform keeps such things: MLflow's model-version tags, the HTTP contract's marks). `evidence`: the window a
    verified version held and its value then."""
    if incident_id is not None and not real(await session.get(Incident, incident_id)):
        return  # a drill's versions are its scenario's: the real ledger is not touched
    session.add(
        VersionMark(
            model=model,
            version=version,
            mark=mark,
            incident_id=incident_id,
            action_id=action_id,
            reason=reason[:500],
            marked_by=by,
            marked_at=now,
        )
    )
    verdict = {
        "verdict": VERDICT[mark],
        "incident": f"INC-{incident_id}" if incident_id else "",
        "reason": reason[:250],
        **(evidence or {}),
    }
    await enqueue(
        session,
        kind=OutboxKind.REGISTRY_MARK,
        now=now,
        incident_id=incident_id,
        subject=f"mark:{model}:{version}",
        model=model,
        version=version,
        mark=verdict,
    )


async def adopt(session: AsyncSession, *, model: str, state: ServingState, now: datetime) -> int:
    """Verdicts the registry keeps that the ledger does not (another team's, another sevbot's, a person's): the
    ledger takes them, so plans show them and "the previous version" avoids a known-bad one. Nothing is written
    back. Returns how many were taken."""
    marks = await ledger(session, model)
    taken = 0
    for version in state.versions:
        said = ADOPTED.get(version.verdict or "")
        found = marks.marks.get(version.version)
        if said is None or (found is not None and found.mark == said):
            continue
        where = f" ({version.verdict_incident})" if version.verdict_incident else ""
        session.add(
            VersionMark(
                model=model,
                version=version.version,
                mark=said,
                reason=f"marked {version.verdict} in the registry{where}"[:500],
                marked_by="registry",
                marked_at=now,
            )
        )
        taken += 1
    return taken


async def remember_live(session: AsyncSession, model: str, state: ServingState, now: datetime) -> None:
    """What the platform serves now, seen at `now`: where \"the previous version\" comes from when it does not say."""
    if state.live is None:
        return
    found = (
        await session.exec(select(LiveVersion).where(LiveVersion.model == model, LiveVersion.version == state.live))
    ).first()
    if found is None:
        session.add(LiveVersion(model=model, version=state.live, first_seen_at=now, last_seen_at=now))
    else:
        found.last_seen_at = now
        session.add(found)
