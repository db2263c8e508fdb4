"""The runbook's notify table, end to end: a SEV1 pages PagerDuty, posts its card in #critical-incidents and mails
the ML team; acknowledging in Slack acknowledges the page; updates thread under the first mail; resolving resolves
the page, mails the resolution and settles the cards. A SEV3 gets a Jira ticket, commented when it resolves, and is
paged once raised to SEV1. Every call to PagerDuty and Jira is checked against their published API descriptions."""

from __future__ import annotations

from email.message import EmailMessage

from bot.tryout.emulator import render_message
from tests.harness import Bot, declare, eventually, timeline
from tests.notify.conftest import Mailbox, StandIns


def _subject(mail: EmailMessage) -> str:
    """As a mail client shows it (a long subject is folded on the wire)."""
    return " ".join(str(mail["Subject"]).split())


def _said(bot: Bot, channel_id: str) -> str:
    return "\n".join(bot.seen(channel_id))


async def _slash(bot: Bot, user: str, channel_id: str, text: str) -> None:
    reply = await bot.driver.slash(user, channel_id, text)
    assert reply.status == 200, reply
    await bot.settled()


async def test_a_sev1_pages_posts_mails_and_resolving_resolves_them(
    notifying_bot: Bot, stand_ins: StandIns, mailbox: Mailbox
) -> None:
    bot, pd, inbox = notifying_bot, stand_ins.pagerduty, mailbox.inbox
    _, channel = await declare(bot, "declare sev1 cv-detector mAP below SLO on 60% of cameras")
    assert channel is not None

    # the page: the incident is its dedup key, PagerDuty's severity from the SEV, the model as component, links back
    (key,) = pd.pages
    page = pd.pages[key]
    assert key.startswith("sevbot-INC-1-") and page["status"] == "triggered" and page["severity"] == "critical"
    assert page["summary"].startswith("[SEV1] INC-1 cv-detector: mAP below SLO on 60% of cameras")
    assert page["details"]["model"] == "cv-detector" and page["details"]["incident"] == "INC-1"
    # paged at once, even before the channel existed: the channel's link follows as soon as it does
    slack = {"href": f"https://slack.com/app_redirect?channel={channel.id}", "text": "Slack"}
    assert {link["text"] for link in page["links"]} == {"Slack", "Dashboard", "Runbook"} and slack in page["links"]
    trigger = next(c for c in pd.calls if c.body["event_action"] == "trigger")
    assert trigger.body["payload"]["component"] == "cv-detector"

    # the card in #critical-incidents links the incident channel; the channel says who was told
    critical = bot.channel("critical-incidents")
    (card,) = critical.messages
    assert "SEV1 · INC-1 · mAP below SLO on 60% of cameras" in render_message(bot.ws, card)
    assert f"<#{channel.id}>" in card.text
    said = _said(bot, channel.id)
    assert "Paged the on-call through PagerDuty (SEV1)" in said
    assert "Mailed ml-team@example.com" in said

    # the mail: over STARTTLS with the login, the communication template's subject, plain text and HTML
    await eventually(lambda: inbox.to("ml-team@example.com"))
    (first,) = inbox.to("ml-team@example.com")
    assert inbox.tls == [True] and inbox.logins == ["sevbot"]
    assert _subject(first).startswith("[SEV1] INC-1 cv-detector: mAP below SLO on 60% of cameras since ")
    assert first["From"] == "sevbot <sevbot@example.com>"
    text = first.get_body(("plain",)).get_content()
    html = first.get_body(("html",)).get_content()
    assert "SEV1 INC-1: mAP below SLO on 60% of cameras" in text and "Commander: @alice" in text
    assert f"Slack: https://slack.com/app_redirect?channel={channel.id}" in text
    assert f'<a href="https://slack.com/app_redirect?channel={channel.id}">Slack</a>' in html
    assert not inbox.to("ml-lead@example.com"), "SEV2's addresses are not SEV1's"

    # an update is mailed under the first; acknowledging in Slack acknowledges the page
    await _slash(bot, "U0001", channel.id, "update rolled back to 2.0.0, watching mAP")
    await eventually(lambda: len(inbox.to("ml-team@example.com")) == 2)
    update = inbox.to("ml-team@example.com")[1]
    assert update["In-Reply-To"] == first["Message-ID"] and update["References"] == first["Message-ID"]
    assert _subject(update) == "Re: " + _subject(first)
    assert "rolled back to 2.0.0, watching mAP" in update.get_body(("plain",)).get_content()
    await _slash(bot, "U0004", channel.id, "ack")
    assert pd.pages[key]["status"] == "acknowledged"

    # resolving resolves the page, mails the resolution in the thread and settles the card
    await _slash(bot, "U0001", channel.id, "resolve rolled back; mAP 0.61 for an hour")
    assert pd.pages[key]["status"] == "resolved"
    assert [e for e in pd.pages[key]["events"] if e != "trigger"] == ["acknowledge", "resolve"]
    await eventually(lambda: len(inbox.to("ml-team@example.com")) == 3)
    resolution = inbox.to("ml-team@example.com")[2].get_body(("plain",)).get_content()
    assert "RESOLVED: INC-1" in resolution and "rolled back; mAP 0.61 for an hour" in resolution
    assert inbox.to("ml-team@example.com")[2]["In-Reply-To"] == first["Message-ID"]
    assert ":white_check_mark: *Resolved: INC-1" in render_message(bot.ws, critical.messages[0])
    assert len(critical.messages) == 1, "the card is kept current, not posted again"
    assert len({m["Message-ID"] for m in inbox.mails}) == 3
    assert stand_ins.invalid() == []


async def test_a_sev3_gets_a_ticket_and_is_paged_once_raised_to_sev1(notifying_bot: Bot, stand_ins: StandIns) -> None:
    bot, pd, jira = notifying_bot, stand_ins.pagerduty, stand_ins.jira
    _, channel = await declare(bot, "declare sev3 cv-detector PSI 0.24 on the lighting feature")
    assert channel is not None
    assert not pd.pages, "a SEV3 pages nobody"
    (ticket,) = jira.issues.values()
    assert ticket.key == "MLOPS-1"
    assert ticket.fields["summary"].startswith("[SEV3] INC-1 cv-detector: PSI 0.24 on the lighting feature")
    assert {"cv-detector", "SEV3", "sevbot"} <= set(ticket.fields["labels"])
    description = jira.text_of("MLOPS-1")
    assert "Open the incident in Slack" in description and "Status: investigating" in description
    assert f":ticket: Ticket MLOPS-1 ({jira.url}/browse/MLOPS-1) opened in Jira." in _said(bot, channel.id)

    await _slash(bot, "U0001", channel.id, "severity sev1 drift turned into a 30% drop")
    (key,) = pd.pages
    assert pd.pages[key]["summary"].startswith("[SEV1] INC-1") and pd.pages[key]["severity"] == "critical"
    assert len(bot.channel("critical-incidents").messages) == 1
    assert len(jira.issues) == 1, "the ticket is made once"

    await _slash(bot, "U0001", channel.id, "resolve lighting augmentation shipped")
    assert pd.pages[key]["status"] == "resolved"
    (comment,) = jira.comment_texts("MLOPS-1")
    assert "RESOLVED: INC-1" in comment and "lighting augmentation shipped" in comment
    told = [data["purpose"] for _, _, kind, data in await timeline(bot) if kind == "notified"]
    assert sorted(told) == ["mail", "page", "ticket"]  # the ticket at SEV3; SEV1's page and mail once raised
    assert stand_ins.invalid() == []
