"""Triage: how bad an alert is and why, in plain Python and numpy (no Slack, no network)."""

from __future__ import annotations

from bot.triage.policy import Facts, Finding, Triage, triage
from bot.triage.stats import SustainedCheck, js_divergence, kl_divergence, psi, sustained_breach

__all__ = [
    "Facts",
    "Finding",
    "SustainedCheck",
    "Triage",
    "js_divergence",
    "kl_divergence",
    "psi",
    "sustained_breach",
    "triage",
]
