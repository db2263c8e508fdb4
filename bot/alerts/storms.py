"""Alert storms: when new alert groups arrive faster than people can read cards (a shared dependency failing makes
every model alert at once), the groups past the line are gathered into one storm card, kept up to date, with the
groups listed in its thread. Nothing is lost: every alert and group is stored as usual; a storm's groups are not
declared automatically (one incident for the shared cause is what people need), and each stays declarable."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.models import Alert, AlertGroup, AlertStorm

__all__ = ["StormView", "join_storm", "storm_subject", "view"]

IGNORED_LABELS = {"model", "alertname", "metric", "camera", "region", "slice", "segment", "site", "cohort", "store"}


def storm_subject(storm_id: int) -> str:
    return f"storm:{storm_id}"


async def join_storm(
    session: AsyncSession, *, config: Config, groups: Sequence[AlertGroup], now: datetime
) -> AlertStorm | None:
    """Puts new groups (flushed, in the order they came) in the storm they belong to: the one still raging, or a new
    one from the group that makes more than `storm_groups` created within `storm_within`. Groups before that line
    stay on their own while the alerts channel can still take a card per group. Two queries, however many groups."""
    if not groups:
        return None
    limits = config.triage
    since = now - limits.storm_within
    raging = (
        await session.exec(
            select(AlertStorm).where(col(AlertStorm.updated_at) >= since).order_by(col(AlertStorm.id).desc())
        )
    ).first()
    joining = list(groups)
    if raging is None:
        recent = (
            await session.exec(
                select(sa.func.count()).select_from(AlertGroup).where(col(AlertGroup.created_at) >= since)
            )
        ).one()
        before = recent - len(groups)  # the new groups are flushed, so counted
        calm = max(0, limits.storm_groups - before)  # the first of them still get a card each
        joining = joining[calm:]
        if not joining:
            return None
        raging = AlertStorm(started_at=now, updated_at=now)
        session.add(raging)
        await session.flush()
    raging.updated_at = now
    session.add(raging)
    for group in joining:
        group.storm_id = raging.id  # the caller queues the storm card's refresh
        session.add(group)
    return raging


@dataclass(frozen=True, kw_only=True)
class StormView:
    storm: AlertStorm
    groups: list[AlertGroup]
    shared: list[tuple[str, int]]  # label values most of the storm's alerts share: a hint at the common cause

    @property
    def models(self) -> int:
        return len({g.model or g.key for g in self.groups})

    @property
    def firing(self) -> int:
        return sum(g.firing for g in self.groups)


async def view(session: AsyncSession, storm_id: int) -> StormView:
    storm = await session.get(AlertStorm, storm_id)
    if storm is None:
        raise ValueError(f"alert storm {storm_id} does not exist")
    groups = list(
        await session.exec(select(AlertGroup).where(AlertGroup.storm_id == storm_id).order_by(col(AlertGroup.id)))
    )
    ids = [g.id for g in groups]
    labels: list[Mapping[str, Any]] = []
    if ids:
        labels = list((await session.exec(select(Alert.labels).where(col(Alert.group_id).in_(ids)))).all())
    counts: Counter[str] = Counter()
    for found in labels:
        for name, value in (found or {}).items():
            if name not in IGNORED_LABELS:
                counts[f"{name}={value}"] += 1
    shared = [(label, n) for label, n in counts.most_common(3) if n > 1]
    return StormView(storm=storm, groups=groups, shared=shared)
