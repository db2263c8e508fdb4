"""PagerDuty's v3 webhooks for a page sevbot sent: acknowledged there is acknowledged here (escalation stops, the
card and the timeline say who), resolved and reassigned there are on the timeline; a wrong or missing signature is
401 and changes nothing; pages sevbot did not send are ignored."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from bot.clock import ManualClock
from bot.models import Incident
from bot.tryout.integrations import pagerduty_webhook
from tests.harness import Bot, timeline
from tests.notify.conftest import WEBHOOK_SECRET, StandIns, bot_with

SEV1_ALERT = {
    "model": "cv-detector",
    "name": "DetectorErrors",
    "metric": "error_rate",
    "failure_rate": 0.9,
    "summary": "90 % of detector requests fail",
}


async def _hook(bot: Bot, raw: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    async with bot.driver.http.post(f"{bot.url}/paging/pagerduty", data=raw, headers=headers) as response:
        return response.status, await response.json()


async def _incident(bot: Bot) -> Incident:
    async with bot.services.db.session_scope() as session:
        found = (await session.exec(select(Incident))).first()
    assert found is not None
    return found


async def test_acknowledged_in_pagerduty_is_acknowledged_here_and_stops_escalation(
    tmp_path: Path, stand_ins: StandIns
) -> None:
    clock = ManualClock(datetime.now(UTC))
    escalation = [{"after": "10m", "notify": ["U0009"]}]
    async with bot_with(tmp_path, stand_ins, clock=clock, escalation=escalation, severities={}) as bot:
        await _acknowledged_in_pagerduty(bot, stand_ins, clock)


async def _acknowledged_in_pagerduty(bot: Bot, stand_ins: StandIns, clock: ManualClock) -> None:
    status, _ = await bot.post_alert("generic", SEV1_ALERT)
    assert status == 202
    await bot.settled()
    (key,) = stand_ins.pagerduty.pages
    assert (await _incident(bot)).acknowledged_at is None  # declared automatically: nobody owns it yet

    # forged, unsigned, or signed with another secret: 401, nothing changes
    raw, headers = pagerduty_webhook("another-secret", event_type="incident.acknowledged", incident_key=key)
    assert (await _hook(bot, raw, headers))[0] == 401
    assert (await _hook(bot, raw, {"Content-Type": "application/json"}))[0] == 401
    raw, headers = pagerduty_webhook(WEBHOOK_SECRET, event_type="incident.acknowledged", incident_key=key)
    tampered = raw.replace(b"Dana", b"Mallory")
    assert (await _hook(bot, tampered, headers))[0] == 401
    assert (await _incident(bot)).acknowledged_at is None

    status, answer = await _hook(bot, raw, headers)
    assert status == 200 and answer["outcome"] == "recorded on INC-1", answer
    assert (await _hook(bot, raw, headers))[1]["outcome"] == "ignored: already recorded"  # PagerDuty's retry
    await bot.settled()
    incident = await _incident(bot)
    assert incident.acknowledged_at is not None and incident.acknowledged_by == "app:PagerDuty"
    channel = bot.incident_channels()[0]
    said = "\n".join(bot.seen(channel.id))
    assert (
        "PagerDuty: *acknowledged* by Dana On-call: the incident counts as acknowledged, and escalation stops" in said
    )
    assert stand_ins.pagerduty.pages[key]["status"] == "triggered", "not sent back to PagerDuty"

    # the escalation's first step is due after 10 minutes: nothing happens, it is acknowledged
    clock.advance(timedelta(minutes=30))
    await bot.services.cadence.tick()
    await bot.settled()
    assert "escalated" not in [kind for _, _, kind, _ in await timeline(bot)]


async def test_resolved_and_reassigned_in_pagerduty_are_on_the_timeline(
    notifying_bot: Bot, stand_ins: StandIns
) -> None:
    bot = notifying_bot
    assert (await bot.post_alert("generic", SEV1_ALERT))[0] == 202
    await bot.settled()
    (key,) = stand_ins.pagerduty.pages
    for event_type, extra in (("incident.reassigned", {"assignees": ("Erin Escalation",)}), ("incident.resolved", {})):
        raw, headers = pagerduty_webhook(WEBHOOK_SECRET, event_type=event_type, incident_key=key, **extra)
        assert (await _hook(bot, raw, headers))[0] == 200
    await bot.settled()
    said = "\n".join(bot.seen(bot.incident_channels()[0].id))
    assert "PagerDuty: reassigned to Erin Escalation by Dana On-call" in said
    assert (
        "resolved by Dana On-call in PagerDuty; the incident stays open here until it is resolved with a summary"
        in said
    )
    assert (await _incident(bot)).status != "resolved"


async def test_other_pages_and_events_are_ignored_and_bad_bodies_refused(notifying_bot: Bot) -> None:
    bot = notifying_bot
    raw, headers = pagerduty_webhook(WEBHOOK_SECRET, event_type="incident.acknowledged", incident_key="someone-elses")
    assert await _hook(bot, raw, headers) == (200, {"ok": True, "outcome": "ignored: not a page sevbot sent"})
    raw, headers = pagerduty_webhook(WEBHOOK_SECRET, event_type="incident.annotated", incident_key="x")
    assert (await _hook(bot, raw, headers))[1]["ignored"].startswith("incident.annotated")
    for body in (b"not json", b"[]", b'{"event": "x"}', b'{"event": {"event_type": "incident.resolved", "data": 3}}'):
        signed = "v1=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
        status, answer = await _hook(bot, body, {"X-PagerDuty-Signature": signed})
        assert status == 400 and "not a PagerDuty v3 webhook" in answer["error"], (body, answer)
