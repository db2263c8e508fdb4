"""When the far side misbehaves: 5xx and 429 are tried again (after Retry-After) and the page still goes once; a
refusal (a bad key, a bad login) is set aside at once and said in the incident channel, and nothing later is sent
for it; a Slack outage never delays a page."""

from __future__ import annotations

from pathlib import Path

from tests.harness import declare, eventually
from tests.notify.conftest import Mailbox, StandIns, bot_with, credentials


async def test_5xx_and_429_are_tried_again_and_page_once(tmp_path: Path, stand_ins: StandIns) -> None:
    pd = stand_ins.pagerduty
    pd.fail_next(502)
    pd.fail_next(429, retry_after=0.5)
    pd.fail_next(503)
    async with bot_with(tmp_path, stand_ins) as bot:
        _, channel = await declare(bot, "declare sev1 cv-detector detector down on every camera")
        await eventually(lambda: len(pd.pages) == 1, within=20)
        await bot.settled(within=20)
        triggers = [c for c in pd.calls if c.body and c.body.get("event_action") == "trigger"]
        assert len(triggers) >= 4  # three failed tries, then the page (and the channel's link, deduplicated)
        assert len(pd.pages) == 1 and pd.pages[next(iter(pd.pages))]["status"] == "triggered"
        assert channel is not None and "Paged the on-call through PagerDuty" in "\n".join(bot.seen(channel.id))
        assert stand_ins.invalid() == []


async def test_a_refused_page_is_set_aside_and_said(tmp_path: Path, stand_ins: StandIns) -> None:
    pd = stand_ins.pagerduty
    async with bot_with(tmp_path, stand_ins, creds=credentials(pagerduty_routing_key="not-the-key")) as bot:
        _, channel = await declare(bot, "declare sev1 cv-detector detector down on every camera")
        assert channel is not None
        said = "\n".join(bot.seen(channel.id))
        assert ":warning: I could not page through PagerDuty: PagerDuty Events API: HTTP 400" in said
        assert "Invalid routing key" in said and "page the on-call by hand" in said
        tries = len(pd.calls)
        assert tries == 1, "a refusal is not tried again"
        await bot.driver.slash("U0004", channel.id, "ack")
        await bot.driver.slash("U0001", channel.id, "resolve the detector is back")
        await bot.settled()
        assert len(pd.calls) == tries, "nothing more is sent for a page that never went"
        assert not pd.pages


async def test_a_bad_mail_login_is_said_and_the_page_still_goes(
    tmp_path: Path, stand_ins: StandIns, mailbox: Mailbox
) -> None:
    async with bot_with(tmp_path, stand_ins, mailbox=mailbox, creds=credentials(smtp_password="wrong")) as bot:
        _, channel = await declare(bot, "declare sev1 cv-detector detector down on every camera")
        assert channel is not None
        said = "\n".join(bot.seen(channel.id))
        assert ":warning: I could not mail ml-team@example.com: SMTP 127.0.0.1: login refused (535" in said
        assert not mailbox.inbox.mails
        assert len(stand_ins.pagerduty.pages) == 1


async def test_a_slack_outage_never_delays_a_page(tmp_path: Path, stand_ins: StandIns) -> None:
    async with bot_with(tmp_path, stand_ins) as bot:
        emulator = bot.emulator
        for method in ("conversations.create", "chat.postMessage", "conversations.list", "auth.test"):
            emulator.fail(method, "server_error", times=10_000)  # Slack answers 500 to everything sevbot asks
        status, answer = await bot.post_alert(
            "generic",
            {
                "model": "cv-detector",
                "name": "DetectorErrors",
                "metric": "error_rate",
                "failure_rate": 0.9,
                "summary": "90 % of detector requests fail",
            },
        )
        assert status == 202, answer
        assert answer["declared"] == [1], answer  # declared automatically: a SEV1 (90 % failing)
        await eventually(lambda: len(stand_ins.pagerduty.pages) == 1, within=10)
        assert not bot.incident_channels(), "Slack is still down, and the page went all the same"


async def test_a_ticket_whose_answer_was_lost_is_found_not_made_again(tmp_path: Path, stand_ins: StandIns) -> None:
    jira = stand_ins.jira
    jira.lose_next()  # the issue is created, and the answer is lost
    async with bot_with(tmp_path, stand_ins) as bot:
        _, channel = await declare(bot, "declare sev3 cv-detector PSI 0.24 on the lighting feature")
        assert channel is not None
        await bot.settled(within=20)
        assert list(jira.issues) == ["MLOPS-1"], "found by its marker label, not created again"
        jira.lose_next()
        await bot.driver.slash("U0001", channel.id, "resolve lighting augmentation shipped")
        await bot.settled(within=20)
        assert len(jira.comment_texts("MLOPS-1")) == 1, "found by its marker, not added again"
        assert "Ticket MLOPS-1" in "\n".join(bot.seen(channel.id))
        assert stand_ins.invalid() == []


async def test_a_notify_channel_that_does_not_exist_is_said_not_retried(tmp_path: Path, stand_ins: StandIns) -> None:
    async with bot_with(tmp_path, stand_ins, severities={"SEV1": {"channels": ["critical-incidnets"]}}) as bot:
        _, channel = await declare(bot, "declare sev1 cv-detector detector down on every camera")
        assert channel is not None
        said = "\n".join(bot.seen(channel.id))
        assert ":warning: I could not post in #critical-incidnets: channel #critical-incidnets does not exist" in said
        assert len(stand_ins.pagerduty.pages) == 1  # the page went all the same
        assert await bot.services.dispatcher.pending() == 0
