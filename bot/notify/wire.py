"""Talking to a pager, mail server or tracker: one JSON call, its failures read the way the outbox needs them
(`Unavailable`: try again, after `retry_after_s` if the far side said; `Refused`: a retry will not change it)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

__all__ = ["Refused", "Unavailable", "call_json"]


class Unavailable(Exception):
    """5xx, 429, a timeout, a dropped connection: tried again with backoff for as long as the incident is open."""

    def __init__(self, reason: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after_s = retry_after_s


class Refused(Exception):
    """400, 401, 403, 404, 422… or a mail server's 5xx: set aside at once and said in the incident channel."""


def _retry_after(headers: Any) -> float | None:
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except ValueError:
        return None


async def call_json(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    what: str,
    timeout_s: float,
    body: Any = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """The answer's JSON (None for an empty body); raises `Unavailable` or `Refused` naming `what` and why."""
    try:
        async with http.request(
            method,
            url,
            json=body,
            params=params,
            headers={"Accept": "application/json", **(headers or {})},
            timeout=aiohttp.ClientTimeout(total=timeout_s),
        ) as response:
            text = await response.text()
            if response.status == 429 or response.status >= 500:
                raise Unavailable(
                    f"{what}: HTTP {response.status} {_said(text)}".strip(),
                    retry_after_s=_retry_after(response.headers),
                )
            if response.status >= 400:
                raise Refused(f"{what}: HTTP {response.status} {_said(text)}".strip())
            if not text.strip():
                return None
            try:
                return json.loads(text)
            except ValueError:
                raise Unavailable(f"{what}: the answer was not JSON") from None
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise Unavailable(f"{what}: {type(exc).__name__} {exc}".strip()) from None


def _said(text: str) -> str:
    """What the far side said of a failure, in a line."""
    try:
        data = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:200]
    if isinstance(data, dict):
        parts = [data.get(k) for k in ("message", "status", "errorMessages", "errors", "error")]
        shown = [json.dumps(p) if isinstance(p, list | dict) else str(p) for p in parts if p]
        return "; ".join(shown)[:300]
    return str(data)[:200]
