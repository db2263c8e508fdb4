"""Incidents: the lifecycle (declare, roles, acknowledge, take command, update, note, status, severity, resolve), the
timeline every change writes, the update cadence and escalation, hypotheses, the update form's draft and channel
names.

Each function takes `*, session` and only flushes: the caller's transaction holds the change, its timeline
event and the work it implies (the outbox), so either all of it happens or none of it does.
"""

from __future__ import annotations

from bot.incidents.lifecycle import (
    add_action_item,
    add_note,
    change_severity,
    change_status,
    close_action_item,
    declare,
    not_recovered,
    open_for,
    post_update,
    resolve,
    unrecovered,
)
from bot.incidents.records import (
    SYSTEM_ACTOR,
    IncidentSnapshot,
    by_channel,
    check_open,
    check_text,
    open_incidents,
    open_snapshots,
    refresh_alert_cards,
    snapshot,
)
from bot.incidents.roles import acknowledge, assign_role, record_refusal, take_command

__all__ = [
    "SYSTEM_ACTOR",
    "IncidentSnapshot",
    "acknowledge",
    "add_action_item",
    "add_note",
    "assign_role",
    "by_channel",
    "change_severity",
    "change_status",
    "check_open",
    "check_text",
    "close_action_item",
    "declare",
    "not_recovered",
    "open_for",
    "open_incidents",
    "open_snapshots",
    "post_update",
    "record_refusal",
    "refresh_alert_cards",
    "resolve",
    "snapshot",
    "take_command",
    "unrecovered",
]
