"""The Slack side of containment: the private plan the domain prepared (`bot.containment.plan`), with Confirm /
Cancel, the versions to pick from, or why it cannot be done — read from the action as it is stored."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.containment import ActionStatus, Candidate
from bot.models import Action
from bot.slack.blocks import action_choices, action_plan, as_dicts, text_blocks
from bot.slack.failures import slack_error
from bot.slack.surfaces.base import Surface

__all__ = ["ContainmentPlans"]

log = logging.getLogger(__name__)


UNDONE = (ActionStatus.FAILED, ActionStatus.CANCELLED)


class ContainmentPlans(Surface):
    async def show_plan(self, action_id: int) -> None:
        async with self.db.session_scope() as session:
            action = await session.get(Action, action_id)
        if action is None:
            raise ValueError(f"action {action_id} does not exist")
        backend_name = action.params.get("backend_name", action.backend)
        if action.status == ActionStatus.CHOOSING:
            offered = [
                Candidate(version, about)
                for version, about in zip(
                    action.params.get("candidates") or [], action.params.get("candidate_versions") or [], strict=False
                )
            ]
            text = self.texts.render(
                "action_choose.md.j2", action=action, candidates=offered, backend_name=backend_name
            )
            blocks = as_dicts(action_choices(text, action_id, [c.version for c in offered]))
        elif action.status in UNDONE and action.error and not action.confirmed_by:  # why it could not be planned
            text = self.texts.render(
                "action_plan.md.j2",
                action=action,
                plan=None,
                problem=action.params.get("problem"),
                error=action.error,
                backend_name=backend_name,
            )
            blocks = as_dicts(action_plan(text, None))
        elif action.status == ActionStatus.PENDING:
            text = self.texts.render(
                "action_plan.md.j2",
                action=action,
                plan=action.params.get("plan") or action.params.get("summary", ""),
                problem=None,
                error=None,
                backend_name=backend_name,
                known_bad=action.params.get("known_bad"),
            )
            blocks = as_dicts(action_plan(text, action_id))
        else:  # already confirmed, cancelled or run from another copy: nothing left to show
            return
        await self.client.chat_postEphemeral(
            channel=str(action.params["channel"]), user=action.requested_by, text=text[:3000], blocks=blocks
        )

    async def settle_countdown(self, action_id: int) -> None:
        """The countdown ran out and sevbot is acting: its message says so, its buttons gone (the result follows as
        its own message). An edit, safe to repeat."""
        async with self.db.session_scope() as session:
            action = await session.get(Action, action_id)
        if action is None or not action.params.get("countdown_ts"):
            return  # never posted (refused for good): nothing to settle
        text = self.texts.render("countdown_settled.md.j2", action=action)
        try:
            await self.client.chat_update(
                channel=str(action.params["countdown_channel"]),
                ts=str(action.params["countdown_ts"]),
                text=text[:3000],
                blocks=as_dicts(text_blocks(text)),
            )
        except SlackApiError as exc:
            if slack_error(exc) != "message_not_found":  # someone deleted it: nothing left to settle
                raise
