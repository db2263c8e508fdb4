"""Insights from the records: how many incidents, how fast the team detects, acknowledges, contains and resolves
them, how containment went, per severity, model and incident type (drills left out)."""

from bot.insights.stats import Figures, Insights, insights

__all__ = ["Figures", "Insights", "insights"]
