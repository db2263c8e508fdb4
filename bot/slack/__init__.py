"""Slack adapters: requests in (signature, replay, bolt), Block Kit builders, the Web API client, and the surfaces
that show what the database holds (incident channel, alert cards, plans, documents, messages) as outbox jobs."""
