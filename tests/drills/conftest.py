"""The drills' shared fixture: the real world's serving platform (and any other neighbour), recording every request."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web


@pytest.fixture
async def real_platform() -> AsyncIterator[tuple[str, list[str]]]:
    """The real models' serving platform (sevbot's HTTP contract): it records every request it is sent."""
    asked: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        asked.append(f"{request.method} {request.path}")
        return web.json_response({"error": "this platform must not be asked"}, status=500)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", asked
    await runner.cleanup()
