"""Sending a runbook action's request once, bounded by its timeout, with the action as its idempotency key (a
platform that honours `Idempotency-Key` can tell a retry from a second request)."""

from __future__ import annotations

import json

import aiohttp

from bot.runbook.request import Prepared

__all__ = ["EXCERPT", "RunbookError", "send"]

EXCERPT = 300  # characters of the answer kept on the timeline


class RunbookError(Exception):
    """The call failed: refused (a status), or not answered; the message is for people."""

    def __init__(self, reason: str, *, status: int | None = None, excerpt: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.excerpt = excerpt


async def send(prepared: Prepared, *, key: str) -> tuple[int, str]:
    """The status and the start of the answer, or RunbookError."""
    headers = {**prepared.headers, "Idempotency-Key": key, "User-Agent": "sevbot"}
    data = None
    if prepared.body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(prepared.body).encode()
    timeout = aiohttp.ClientTimeout(total=prepared.timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.request(prepared.method, prepared.url, data=data, headers=headers, allow_redirects=False) as answer,
        ):
            text = (await answer.text(errors="replace"))[:EXCERPT]
            if not 200 <= answer.status < 300:
                raise RunbookError(f"HTTP {answer.status}", status=answer.status, excerpt=text)
            return answer.status, text
    except TimeoutError:
        raise RunbookError(f"no answer within {prepared.timeout_s:g} s") from None
    except aiohttp.ClientError as exc:
        raise RunbookError(f"{type(exc).__name__}: {exc}".strip()) from None
