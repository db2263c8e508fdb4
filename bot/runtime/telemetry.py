"""The bot's own Prometheus metrics, in a registry per app (tests build many apps in one process)."""

from __future__ import annotations

from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["AccessLog", "Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.outbox_set_aside = Counter(
            "sevbot_outbox_set_aside",
            "Outbox rows Slack refused for good (restricted_action, missing_scope…), set aside so later rows proceed",
            ["kind"],
            registry=self.registry,
        )
        self.slack_replays = Counter(
            "sevbot_slack_replays",
            "Slack deliveries acknowledged but not acted on again (a replayed trigger_id, a retry)",
            ["why"],
            registry=self.registry,
        )
        self.slack_requests = Counter(
            "sevbot_slack_requests",
            "Requests from Slack on /slack/events, by HTTP status",
            ["status"],
            registry=self.registry,
        )
        self.slack_ack_seconds = Histogram(
            "sevbot_slack_ack_seconds",
            "Time to answer a request from Slack",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.commands = Counter(
            "sevbot_commands",
            "/incident subcommands run, by name and outcome",
            ["name", "outcome"],
            registry=self.registry,
        )
        self.alerts = Counter(
            "sevbot_alerts_received", "Alerts accepted on /alerts/*, by source", ["source"], registry=self.registry
        )
        self.alert_transactions = Counter(
            "sevbot_alert_transactions",
            "Transactions that stored alert requests (under load, requests share one)",
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "sevbot_outbox_pending", "Slack work written but not yet done", registry=self.registry
        )
        self.outbox_failed = Gauge(
            "sevbot_outbox_failed", "Slack work set aside after repeated refusals", registry=self.registry
        )

    def exposition(self) -> bytes:
        return bytes(generate_latest(self.registry))


class AccessLog(AccessLogger):
    """aiohttp's access log, less the lines that say nothing a metric does not: alerts accepted (counted in
    `sevbot_alerts_received`) and health probes. During a storm one line per alert costs more than storing it;
    refusals, errors and every Slack request are still logged."""

    QUIET = ("/alerts/", "/healthz", "/readyz", "/metrics")

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        if response.status < 400 and request.path.startswith(self.QUIET):
            return
        super().log(request, response, time)
