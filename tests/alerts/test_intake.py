"""Group commit of alert requests: concurrent requests share transactions, each still hears what it did, and
one request that cannot be stored does not take the others down with it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from bot.alerts import intake
from bot.alerts.sources import NormalizedAlert
from tests.harness import Bot, eventually, post_alert, seen


def _transactions(bot: Bot) -> float:
    return bot.services.metrics.registry.get_sample_value("sevbot_alert_transactions_total") or 0.0


async def _while_the_database_is_busy(bot: Bot, bodies: list[dict[str, Any]]) -> list[tuple[int, Any]]:
    """Sends the bodies at once while another transaction holds the database, so they queue up behind it."""
    received = bot.services.intake.received
    async with bot.services.db.session_scope():
        sent = [asyncio.ensure_future(post_alert(bot, "generic", body)) for body in bodies]
        await eventually(lambda: bot.services.intake.received - received == len(bodies) or None)
    return await asyncio.gather(*sent)


async def test_queued_requests_share_one_transaction_and_keep_their_own_accounts(bot: Bot) -> None:
    bodies = [
        {"model": model, "metric": "map", "value": 0.5, "fingerprint": f"{model}-cam-{n % 10}"}
        for n in range(20)
        for model in ("cv-detector", "ranker")
    ]
    before = _transactions(bot)
    answers = await _while_the_database_is_busy(bot, bodies)
    # The intake took what had come when it first ran, then waited for the database; the rest queued behind.
    assert _transactions(bot) - before <= 2
    assert all(code == 202 for code, _ in answers), answers
    news = [answer["alerts"]["new"] for _, answer in answers]
    updates = [answer["alerts"]["updated"] for _, answer in answers]
    assert news == [1] * 20 + [0] * 20 and updates == [0] * 20 + [1] * 20
    cards = {
        body["model"]: (answer["incidents"], answer["alert_groups"])
        for body, (_, answer) in zip(bodies, answers, strict=True)
    }
    for body, (_, answer) in zip(bodies, answers, strict=True):
        assert (answer["incidents"], answer["alert_groups"]) == cards[body["model"]]
    assert cards["cv-detector"] != cards["ranker"]
    await bot.settled()
    assert len(seen(bot, bot.channel("ml-alerts").id)) + len(bot.incident_channels()) <= 4


async def test_a_request_that_cannot_be_stored_fails_alone(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    real = intake.ingest_many

    async def failing_on_one(session: Any, *, requests: Sequence[Sequence[NormalizedAlert]], **kw: Any) -> Any:
        if any(alert.model == "broken-model" for alerts in requests for alert in alerts):
            raise RuntimeError("disk full")
        return await real(session, requests=requests, **kw)

    monkeypatch.setattr(intake, "ingest_many", failing_on_one)
    bodies = [{"model": name, "metric": "map", "value": 0.5} for name in ("ranker", "broken-model", "cv-detector")]
    answers = await _while_the_database_is_busy(bot, bodies)
    assert [code for code, _ in answers] == [202, 503, 202]  # the shared transaction failed; then one by one
    assert answers[1][1] == {"error": "the alerts could not be stored: try again"}
    async with bot.services.db.session_scope() as session:
        from sqlmodel import select

        from bot.models import Alert

        stored = sorted(a.model or "" for a in (await session.exec(select(Alert))).all())
    assert stored == ["cv-detector", "ranker"]
