"""Containment from Slack: roll back, fall back, set canary traffic, route to human review.

An action goes: *planning* (the request is stored; the platform is asked what is live, after the ack) →
*pending* (the person sees what will happen and Confirm / Cancel) → *running* (one Confirm wins: a conditional
UPDATE, however often it is clicked) → *succeeded* / *failed*, recorded on the timeline with the versions
before and after, then posted. *refused* (not allowed) and *cancelled* end it early. The platform is called
outside any transaction and with a bounded timeout; a failure leaves nothing half-done and can be retried with
a new request. A run interrupted mid-call (the process died) is never repeated blindly: it is reported with
what the platform serves now.
"""

from __future__ import annotations

from bot.containment.actions import (
    CAPABILITY,
    ActionKind,
    ActionStatus,
    BackendFactory,
    Refused,
    model_config,
    open_incident_for,
)
from bot.containment.confirm import cancel, confirm, pick, request
from bot.containment.plan import Candidate, candidates, prepare
from bot.containment.run import execute

__all__ = [
    "CAPABILITY",
    "ActionKind",
    "ActionStatus",
    "BackendFactory",
    "Candidate",
    "Refused",
    "cancel",
    "candidates",
    "confirm",
    "execute",
    "model_config",
    "open_incident_for",
    "pick",
    "prepare",
    "request",
]
