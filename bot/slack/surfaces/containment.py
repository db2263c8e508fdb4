"""The Slack side of containment: the private plan (or the versions to pick from) that the domain prepared
(`bot.containment`), running a confirmed action, and a verification (`bot.containment.verification`)."""

from __future__ import annotations

import logging
from typing import Any

from bot import containment
from bot.containment.verification import record_verification
from bot.slack.blocks import (
    action_choices,
    action_plan,
    as_dicts,
)
from bot.slack.surfaces.base import SurfaceBase

__all__ = ["ContainmentPlans"]

log = logging.getLogger(__name__)


class ContainmentPlans(SurfaceBase):
    async def _plan_action(self, action_id: int) -> None:
        prepared = await containment.prepare(
            self.db, config=self.config, clock=self.clock, backend_for=self.backend_for, action_id=action_id
        )
        if prepared is None:
            return
        action = prepared.action
        backend_name = action.params.get("backend_name", action.backend)
        if prepared.candidates:
            text = self.texts.render(
                "action_choose.md.j2", action=action, candidates=prepared.candidates, backend_name=backend_name
            )
            blocks = as_dicts(action_choices(text, action.id or 0, [c.version for c in prepared.candidates]))
            await self.client.chat_postEphemeral(
                channel=str(action.params["channel"]), user=action.requested_by, text=text[:3000], blocks=blocks
            )
            return
        text = self.texts.render(
            "action_plan.md.j2",
            action=action,
            summary=prepared.summary,
            error=prepared.error,
            backend_name=backend_name,
            known_bad=prepared.known_bad,
        )
        blocks = as_dicts(action_plan(text, None if prepared.error else action.id))
        await self.client.chat_postEphemeral(
            channel=str(action.params["channel"]), user=action.requested_by, text=text[:3000], blocks=blocks
        )

    async def _run_action(self, action_id: int) -> None:
        await containment.execute(
            self.db, config=self.config, clock=self.clock, backend_for=self.backend_for, action_id=action_id
        )

    async def _verify(self, incident_id: int, payload: dict[str, Any]) -> None:
        await record_verification(
            self.db,
            config=self.config,
            clock=self.clock,
            incident_id=incident_id,
            model=payload.get("model"),
            asked_by=payload.get("asked_by"),
            after_action=payload.get("after_action"),
        )
