"""Alerts in: webhook payloads, normalisation, dedup and grouping, and what people do with alert cards."""
