"""JSON over HTTP for the backends that speak it, with every call bounded and every failure said plainly."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from bot.serving.base import ServingError

__all__ = ["request_json"]


async def request_json(
    method: str,
    url: str,
    *,
    what: str,
    timeout_s: float,
    json: Any = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    ok_missing: bool = False,
    raw: bool = False,
) -> Any:
    """The decoded answer (with `raw`, its text); `None` for a 404 when `ok_missing`. Raises `ServingError` naming
    `what` failed."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as http,
            http.request(method, url, json=json, params=params, headers=headers) as response,
        ):
            text = await response.text()
            if response.status == 404 and ok_missing:
                return None
            if response.status >= 400:
                raise ServingError(f"{what}: {response.status} {_reason(text) or response.reason}")
            if raw:
                return text
            return await response.json(content_type=None) if text else {}
    except TimeoutError:
        raise ServingError(f"{what}: no answer within {timeout_s:g} s") from None
    except aiohttp.ClientError as exc:
        raise ServingError(f"{what}: {exc.__class__.__name__} ({exc})") from None
    except asyncio.CancelledError:
        raise


def _reason(text: str) -> str:
    import json

    try:
        body = json.loads(text)
    except ValueError:
        return text[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body.get("detail") or text[:200])[:300]
    return text[:200]
