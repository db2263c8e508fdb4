"""Beyond Slack: the severity's notify table (pages, notify-channel cards, mails, tickets), `/incident page`, and
what the pager says back. Each is recorded before it is sent and sent once, through the outbox."""

from bot.notify.credentials import Credentials
from bot.notify.paging import page_now
from bot.notify.records import (
    Op,
    Purpose,
    Via,
    channel_opened,
    follow_incident,
    notifications_of,
    pages_of,
    ticket_action_item,
    tickets_of,
)

__all__ = [
    "Credentials",
    "Op",
    "Purpose",
    "Via",
    "channel_opened",
    "follow_incident",
    "notifications_of",
    "page_now",
    "pages_of",
    "ticket_action_item",
    "tickets_of",
]
