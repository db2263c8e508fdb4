"""Slack adapters: Block Kit builders, the Web API client, and the publisher that does the outbox's work."""
