"""`/incident help`."""

from __future__ import annotations

from commands.invocation import Invocation

NAME = "help"
USAGE = "help"
SUMMARY = "this list"


async def run(inv: Invocation) -> None:
    from commands import SUBCOMMANDS  # the table lists this module too

    rows = [(m.NAME, m.USAGE, m.SUMMARY) for m in SUBCOMMANDS.values()]
    await inv.reply(inv.render("help.md.j2", commands=rows))
