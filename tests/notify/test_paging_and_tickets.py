"""`/incident page`, action items as Jira tickets (assigned by email, linked to the incident's, in the postmortem),
Opsgenie as the pager, and `sevbot check --online` reaching each integration."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import parse_config
from bot.runtime.preflight import reach
from bot.settings import Settings
from tests.harness import Bot, declare
from tests.notify.conftest import (
    GENIE_KEY,
    JIRA_TOKEN,
    JIRA_USER,
    ROUTING_KEY,
    SMTP_PASSWORD,
    SMTP_USER,
    Mailbox,
    StandIns,
    bot_with,
    notify_config,
)


async def _slash(bot: Bot, user: str, channel_id: str, text: str) -> str:
    reply = await bot.driver.slash(user, channel_id, text)
    assert reply.status == 200, reply
    await bot.settled()
    return reply.text


async def test_page_now_for_whoever_may_coordinate(tmp_path: Path, stand_ins: StandIns) -> None:
    pd = stand_ins.pagerduty
    async with bot_with(tmp_path, stand_ins, severities={}) as bot:
        _, channel = await declare(bot, "declare sev2 cv-detector recall down on night cameras")
        assert channel is not None and not pd.pages  # SEV2 pages nobody by default

        # someone with no role who may not contain: told privately how to get one, nothing paged
        said = await _slash(bot, "U0002", channel.id, "page")
        assert "Paging for INC-1 is for whoever holds a role in it or may contain `cv-detector`" in said
        assert not pd.pages

        # the commander pages the on-call, then a person by name: each its own page
        await _slash(bot, "U0001", channel.id, "page")
        await _slash(bot, "U0001", channel.id, "page <@U0005|erin>")
        assert len(pd.pages) == 2
        named = next(p for p in pd.pages.values() if "paged_for" in p["details"])
        assert named["details"]["paged_for"] == "erin" and named["summary"].endswith("— paging erin")
        assert all(p["severity"] == "error" for p in pd.pages.values())  # SEV2
        text = "\n".join(bot.seen(channel.id))
        assert "@alice asked to page the on-call through PagerDuty." in text
        assert "@alice asked to page @erin through PagerDuty." in text
        assert "Paged @erin through PagerDuty (SEV2)" in text

        # resolving resolves every page of the incident
        await _slash(bot, "U0001", channel.id, "resolve night cameras back to normal")
        assert {p["status"] for p in pd.pages.values()} == {"resolved"}
        assert "Page at most one person or group" in await _slash(bot, "U0001", channel.id, "page a b")
        assert stand_ins.invalid() == []


async def test_no_pager_set_up_is_said(tmp_path: Path, stand_ins: StandIns) -> None:
    async with bot_with(tmp_path, stand_ins, pagers=(), severities={}) as bot:
        _, channel = await declare(bot, "declare sev2 cv-detector recall down on night cameras")
        assert channel is not None
        said = await _slash(bot, "U0001", channel.id, "page")
        assert "No pager is set up: add `integrations.pagerduty` or `integrations.opsgenie`" in said


async def test_action_items_are_tickets_linked_to_the_incidents(tmp_path: Path, stand_ins: StandIns) -> None:
    jira = stand_ins.jira
    async with bot_with(tmp_path, stand_ins) as bot:
        _, channel = await declare(bot, "declare sev3 cv-detector PSI 0.24 on the lighting feature")
        assert channel is not None
        await _slash(bot, "U0001", channel.id, "action Add low-light augmentation to training <@U0003|carol>")
        await _slash(bot, "U0001", channel.id, "action Alert on PSI per camera <@U0002|bob>")
        assert sorted(jira.issues) == ["MLOPS-1", "MLOPS-2", "MLOPS-3"]
        augment, alert = jira.issues["MLOPS-2"], jira.issues["MLOPS-3"]
        assert augment.fields["summary"] == "INC-1: Add low-light augmentation to training"
        assert augment.fields["assignee"] == {"accountId": "acc-carol"}  # carol's Slack email is known to Jira
        assert "assignee" not in alert.fields  # bob's is not: unassigned, and the channel says so
        assert ("Relates", "MLOPS-2", "MLOPS-1") in augment.links and ("Relates", "MLOPS-3", "MLOPS-1") in alert.links
        text = "\n".join(bot.seen(channel.id))
        assert f"Action item ticketed as MLOPS-2 ({jira.url}/browse/MLOPS-2), assigned in Jira." in text
        assert "ticketed as MLOPS-3" in text and "(its owner is not known to Jira: unassigned)" in text

        await _slash(bot, "U0001", channel.id, "resolve augmentation shipped")
        await _slash(bot, "U0001", channel.id, "postmortem")
        (message,) = [m for m in bot.ws.channels[channel.id].messages if m.files]
        content = bytes(bot.ws.files[message.files[0]["id"]]["content"]).decode()
        assert f"| Tickets | [MLOPS-1]({jira.url}/browse/MLOPS-1)" in content
        assert (
            f"Add low-light augmentation to training — owner @carol — [MLOPS-2]({jira.url}/browse/MLOPS-2)" in content
        )
        assert stand_ins.invalid() == []


async def test_opsgenie_as_the_pager(tmp_path: Path, stand_ins: StandIns) -> None:
    og = stand_ins.opsgenie
    async with bot_with(tmp_path, stand_ins, pagers=("opsgenie",), severities={}) as bot:
        _, channel = await declare(bot, "declare sev1 cv-detector detector down on every camera")
        assert channel is not None
        (alias,) = og.alerts
        alert = og.alerts[alias]
        assert alias.startswith("sevbot-INC-1-") and alert["priority"] == "P1" and alert["entity"] == "cv-detector"
        assert alert["message"].startswith("[SEV1] INC-1 cv-detector: detector down")
        assert set(alert["tags"]) == {"sevbot", "SEV1", "cv-detector"}
        notes = [c for c in og.calls if c.path.endswith("/notes")]
        assert notes and f"channel={channel.id}" in notes[0].body["note"]  # the channel's link once it opened
        await _slash(bot, "U0004", channel.id, "ack")
        assert alert["acknowledged"] is True
        await _slash(bot, "U0001", channel.id, "resolve detector back")
        assert alert["status"] == "closed" and alert["count"] == 1
        assert stand_ins.invalid() == []


async def test_check_online_reaches_each_integration(
    tmp_path: Path, stand_ins: StandIns, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = parse_config(notify_config(stand_ins, mailbox, pagers=("pagerduty", "opsgenie")))
    monkeypatch.setenv("SSL_CERT_FILE", str(mailbox.ca_pem))  # the check trusts what the system trusts
    for name, value in (
        ("PAGERDUTY_ROUTING_KEY", ROUTING_KEY),
        ("OPSGENIE_API_KEY", GENIE_KEY),
        ("SMTP_USER", SMTP_USER),
        ("SMTP_PASSWORD", SMTP_PASSWORD),
        ("JIRA_USER", JIRA_USER),
        ("JIRA_TOKEN", JIRA_TOKEN),
    ):
        monkeypatch.setenv(name, value)
    settings = Settings(slack_bot_token=None, _env_file=None)
    reached = {r.what.split(" ")[0]: r for r in await reach(settings, config)}
    assert reached["PagerDuty"].ok and reached["Opsgenie"].ok, reached
    assert reached["mail"].ok and "(STARTTLS), logged in" in reached["mail"].detail, reached["mail"]
    assert reached["Jira"].ok and reached["Jira"].detail == "logged in as sevbot"
    assert not mailbox.inbox.mails, "the check sends nothing"

    monkeypatch.setenv("JIRA_TOKEN", "wrong")
    monkeypatch.setenv("SMTP_PASSWORD", "wrong")
    monkeypatch.setenv("PAGERDUTY_ROUTING_KEY", "wrong")
    reached = {r.what.split(" ")[0]: r for r in await reach(settings, config)}
    assert not reached["Jira"].ok and "HTTP 401" in reached["Jira"].detail
    assert not reached["mail"].ok and "login refused" in reached["mail"].detail
    assert not reached["PagerDuty"].ok and "Invalid routing key" in reached["PagerDuty"].detail
