"""`/incident stats [<days>d] [model]`: the last days' numbers, privately (drills left out)."""

from __future__ import annotations

import re

from bot.errors import Problem, UserError
from bot.insights import insights
from commands.invocation import Invocation

NAME = "stats"
USAGE = "stats [<days>d] [model]"
SUMMARY = "how many incidents and how fast they were acknowledged, contained and resolved (30 days by default)"
MOST_DAYS = 365


async def run(inv: Invocation) -> None:
    days, model = 30, None
    for word in inv.args.split():
        if re.fullmatch(r"\d{1,4}d", word.lower()):
            days = int(word[:-1])
            if not 1 <= days <= MOST_DAYS:
                raise UserError(Problem.STATS_DAYS, days=days, most=MOST_DAYS)
        elif model is None:
            if inv.services.config.model(word) is None:
                raise UserError(Problem.UNKNOWN_MODEL, model=word, known=sorted(inv.services.config.models))
            model = word
        else:
            raise UserError(Problem.USAGE, need="stats", usage=USAGE)
    async with inv.services.db.session_scope() as session:
        found = await insights(session, now=inv.services.clock.now(), days=days, model=model)
    await inv.reply(inv.render("stats.md.j2", s=found))
