"""The access log keeps what a person reads a log for: refusals, errors and Slack's requests, not one line per alert
accepted during a storm (a metric counts those) nor the health probes."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot.runtime.telemetry import AccessLog


@pytest.mark.parametrize(
    ("method", "path", "status", "logged"),
    [
        ("POST", "/alerts/alertmanager", 202, False),
        ("GET", "/readyz", 200, False),
        ("POST", "/alerts/alertmanager", 401, True),  # a caller without the token: worth a line
        ("POST", "/alerts/generic", 400, True),
        ("GET", "/readyz", 503, True),
        ("POST", "/slack/events", 200, True),
    ],
)
def test_quiet_only_for_what_a_metric_already_counts(
    caplog: pytest.LogCaptureFixture, method: str, path: str, status: int, logged: bool
) -> None:
    log = AccessLog(logging.getLogger("aiohttp.access"), AccessLog.LOG_FORMAT)
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        log.log(make_mocked_request(method, path), web.Response(status=status), 0.001)
    assert bool([r for r in caplog.records if path in r.getMessage()]) == logged
