"""Prometheus's `query_range`, one query per SLO metric from sevbot.yml; several series are averaged per timestamp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.metrics.base import MetricsError, Series
from bot.serving._http import request_json
from bot.serving.base import ServingError

__all__ = ["PrometheusSource"]


class PrometheusSource:
    def __init__(self, *, url: str, queries: dict[str, str], timeout_s: float) -> None:
        self.url = url.rstrip("/")
        self.queries = queries
        self.timeout_s = timeout_s

    def has(self, metric: str) -> bool:
        return metric in self.queries

    async def series(
        self, metric: str, *, start: datetime, end: datetime, step: timedelta, version: str | None = None
    ) -> Series:
        query = self.queries[metric]
        if version is not None:  # `$version` in the query: a PromQL string, so quotes and backslashes are escaped
            query = query.replace("$version", version.replace("\\", "\\\\").replace('"', '\\"'))
        try:
            answer = await request_json(
                "GET",
                f"{self.url}/api/v1/query_range",
                params={
                    "query": query,
                    "start": f"{start.astimezone(UTC).timestamp():.3f}",
                    "end": f"{end.timestamp():.3f}",
                    "step": f"{max(step.total_seconds(), 1):g}s",
                },
                what="Prometheus query_range",
                timeout_s=self.timeout_s,
            )
        except ServingError as exc:
            raise MetricsError(str(exc)) from None
        if answer.get("status") != "success":
            raise MetricsError(f"Prometheus: {answer.get('error', 'query failed')}")
        sums: dict[float, list[float]] = {}
        for result in answer.get("data", {}).get("result", []):
            for t, v in result.get("values", []):
                sums.setdefault(float(t), []).append(float(v))
        return sorted((t, sum(vs) / len(vs)) for t, vs in sums.items())
