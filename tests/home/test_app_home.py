"""App Home through Slack's own path: the `app_home_opened` event (signed, like Slack's), the home published with
`views.publish`, and kept current for whoever opened it when incidents change; its buttons; hundreds of incidents a
page at a time inside Slack's 100 blocks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.models import Incident, RoleAssignment
from bot.tryout.emulator import render_home
from tests.harness import Bot, declare, running_on

START = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def bot(clock: ManualClock, tmp_path: Path) -> AsyncIterator[Bot]:
    async with running_on(clock, tmp_path) as running:
        yield running


async def _home(bot: Bot, user: str) -> str:
    await bot.settled()
    return render_home(bot.ws, user)


async def test_home_before_and_after_incidents_change(bot: Bot) -> None:
    reply = await bot.driver.open_home("U0002")
    assert reply.status == 200
    home = await _home(bot, "U0002")
    assert "== sevbot: ML incidents ==" in home
    assert "[Declare an incident]" in home
    assert "0 open" in home and "No open incidents" in home
    assert "No model's deploys are frozen." in home
    assert "*The last 30 days* (drills left out)" in home and "No incidents." in home

    _, channel = await declare(bot)  # alice declares; bob's home, opened a moment ago, follows
    home = await _home(bot, "U0002")
    assert "1 open" in home and "with you in a role" not in home
    assert f"*SEV2* · #{channel.name} · *INC-1* mAP drop on cams 23-40" in home
    assert "`cv-detector` · investigating · open 0 s · IC @alice" in home
    assert "Next update due" in home and "nothing contained yet" in home

    await bot.driver.slash("U0001", channel.id, "role ops <@U0002>")
    home = await _home(bot, "U0002")
    assert "1 with you in a role (first)" in home and "you: ops" in home

    await bot.driver.slash("U0001", channel.id, "resolve LED retrofit reverted")
    home = await _home(bot, "U0002")
    assert "0 open" in home
    assert "1 incident, medians from the declaration" in home
    assert "SEV2" in home.split("*The last 30 days*")[1]


async def test_a_home_opened_long_ago_is_not_kept_current(bot: Bot, clock: ManualClock) -> None:
    await bot.driver.open_home("U0003")
    await bot.settled()
    publishes = len(bot.emulator.calls_to("views.publish"))
    clock.advance(timedelta(hours=25))  # opened more than a day ago: drawn fresh when opened again
    await declare(bot)
    assert len(bot.emulator.calls_to("views.publish")) == publishes
    await bot.driver.open_home("U0003")
    assert "1 open" in await _home(bot, "U0003")


async def test_a_redelivered_event_and_the_messages_tab_publish_nothing_more(bot: Bot) -> None:
    await bot.driver.open_home("U0004", event_id="Ev0ONCE")
    await bot.settled()
    await bot.driver.open_home("U0004", event_id="Ev0ONCE")  # Slack delivered it again
    await bot.settled()
    assert len(bot.emulator.calls_to("views.publish")) == 1
    body = {
        "type": "event_callback",
        "event_id": "Ev0MSGS",
        "team_id": "T0001",
        "event": {"type": "app_home_opened", "user": "U0004", "channel": "D0004", "tab": "messages"},
    }
    reply = await bot.driver.send(json.dumps(body), content_type="application/json")
    assert reply.status == 200
    await bot.settled()
    assert len(bot.emulator.calls_to("views.publish")) == 1


async def test_declare_button_opens_the_form(bot: Bot) -> None:
    await bot.driver.open_home("U0005")
    await bot.settled()
    reply = await bot.driver.click_home("U0005", "home_declare")
    assert reply.status == 200
    await bot.settled()
    (view,) = [v for v in bot.ws.views.values() if v.get("type") == "modal"]
    assert view["title"]["text"] == "Declare an incident"


async def test_hundreds_of_open_incidents_page_by_page(bot: Bot) -> None:
    now = bot.services.clock.now()
    async with bot.services.db.session_scope() as session:
        for n in range(40):
            session.add(
                Incident(
                    severity="SEV3" if n % 2 else "SEV2",
                    title=f"drift on shard {n}",
                    model="ranker",
                    declared_by="U0001",
                    declared_at=now - timedelta(minutes=n),
                    channel_id=None,
                )
            )
        await session.flush()
        mine = RoleAssignment(incident_id=40, role="commander", user_id="U0002", assigned_by="U0001", assigned_at=now)
        session.add(mine)
    await bot.driver.open_home("U0002")
    home = await _home(bot, "U0002")
    assert "40 open, 1 with you in a role (first) · page 1 of 3" in home
    first = home.split("*INC-")[1]
    assert first.startswith("40* drift on shard 39") and "you: commander" in first  # yours first, though oldest
    assert "[Older ›]" in home and "[‹ Newer]" not in home
    assert len(bot.ws.homes["U0002"]["blocks"]) <= 100

    await bot.driver.click_home("U0002", "home_page", value="1")
    home = await _home(bot, "U0002")
    assert "page 2 of 3" in home and "[‹ Newer]" in home and "[Older ›]" in home
    await bot.driver.click_home("U0002", "home_page", value="2")
    home = await _home(bot, "U0002")
    assert "page 3 of 3" in home and "[Older ›]" not in home
    await bot.driver.open_home("U0002")  # opened again later: the same page
    assert "page 3 of 3" in await _home(bot, "U0002")


async def test_the_chart_is_uploaded_once_for_the_same_numbers(bot: Bot) -> None:
    _, channel = await declare(bot)
    await bot.driver.slash("U0001", channel.id, "resolve done")
    await bot.driver.open_home("U0001")
    await bot.settled()
    (image,) = [b for b in bot.ws.homes["U0001"]["blocks"] if b["type"] == "image"]
    file_id = image["slack_file"]["id"]
    assert bot.ws.files[file_id]["content"][:8] == b"\x89PNG\r\n\x1a\n"
    uploads = len(bot.emulator.calls_to("files.getUploadURLExternal"))
    await bot.driver.open_home("U0002")
    await bot.settled()
    (image,) = [b for b in bot.ws.homes["U0002"]["blocks"] if b["type"] == "image"]
    assert image["slack_file"]["id"] == file_id
    assert len(bot.emulator.calls_to("files.getUploadURLExternal")) == uploads
