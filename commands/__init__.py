"""Slack glue: `/incident` and its subcommands, the card's buttons and the forms, registered explicitly.

Each subcommand module has NAME, USAGE, SUMMARY and `run(inv)`; the table below lists them one by one.
"""

from __future__ import annotations

import difflib
import logging
from types import ModuleType
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import NotYours
from bot.containment import Refused
from bot.errors import Problem, UserError
from bot.runtime.services import Services
from commands import (
    ack,
    action,
    action_buttons,
    alert_buttons,
    cadence_buttons,
    canary,
    card_buttons,
    catchup,
    declare,
    declare_buttons,
    drill,
    fallback,
    freeze,
    help,
    home,
    hypothesis,
    joins,
    listing,
    modals,
    note,
    page,
    postmortem,
    resolve,
    restart,
    review,
    role,
    rollback,
    run,
    scale,
    severity,
    stats,
    status,
    timeline_shortcut,
    unfreeze,
    update,
    verify,
)
from commands.arguments import first_word
from commands.interactions import explain, record_refusal
from commands.invocation import Invocation

__all__ = ["SUBCOMMANDS", "register"]

log = logging.getLogger(__name__)

SUBCOMMANDS: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        declare,
        role,
        ack,
        update,
        note,
        hypothesis,
        status,
        severity,
        rollback,
        fallback,
        canary,
        review,
        scale,
        restart,
        run,
        freeze,
        unfreeze,
        page,
        catchup,
        drill,
        verify,
        action,
        resolve,
        postmortem,
        listing,
        stats,
        help,
    )
}


def _incident_command(services: Services):  # type: ignore[no-untyped-def]
    async def incident(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient) -> None:
        name, args = first_word(command.get("text", ""))
        name = name.lower() or "help"
        module = SUBCOMMANDS.get(name)
        inv = Invocation(
            services=services,
            name=name,
            user=command["user_id"],
            channel=command["channel_id"],
            args=args,
            trigger_id=command.get("trigger_id", ""),
            client=client,
            ack=ack,
        )
        if module is None:
            services.metrics.commands.labels(name="unknown", outcome="refused").inc()
            close = difflib.get_close_matches(name, list(SUBCOMMANDS), n=1, cutoff=0.6)
            unknown = UserError(Problem.UNKNOWN_COMMAND, command=name, close=close[0] if close else "")
            await inv.reply(services.texts.error(unknown))
            return
        try:
            await module.run(inv)
        except Refused as exc:
            services.metrics.commands.labels(name=name, outcome="refused").inc()
            await inv.reply(explain(services, exc))
            return
        except UserError as exc:
            services.metrics.commands.labels(name=name, outcome="refused").inc()
            await record_refusal(services, exc)
            await inv.error(exc, None if isinstance(exc, NotYours) else exc.usage or module.USAGE)
            return
        except Exception:
            services.metrics.commands.labels(name=name, outcome="error").inc()
            log.exception("/incident %s failed", name)
            if not inv.acked:
                await inv.reply(services.texts.render("internal_error.md.j2"))
            return
        services.metrics.commands.labels(name=name, outcome="ok").inc()

    return incident


def register(app: AsyncApp, services: Services) -> None:
    app.command("/incident")(_incident_command(services))
    card_buttons.register(app, services)
    alert_buttons.register(app, services)
    action_buttons.register(app, services)
    declare_buttons.register(app, services)
    cadence_buttons.register(app, services)
    timeline_shortcut.register(app, services)
    modals.register(app, services)
    home.register(app, services)
    joins.register(app, services)
