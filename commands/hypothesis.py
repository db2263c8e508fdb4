"""`/incident hypothesis <text>` and `/incident hypothesis <n> confirmed|ruled-out [why]`: the hypotheses tried."""

from __future__ import annotations

from bot import mrkdwn
from bot.errors import Problem, UserError
from bot.incidents import hypotheses
from bot.incidents.hypotheses import Outcome
from commands.arguments import first_word
from commands.invocation import Invocation

NAME = "hypothesis"
USAGE = "hypothesis <text> · hypothesis <n> confirmed|ruled-out [why]"
SUMMARY = "record a hypothesis, then confirm it or rule it out (they go in the postmortem)"

_OUTCOMES = {"confirmed": Outcome.CONFIRMED, "confirm": Outcome.CONFIRMED, "ruled-out": Outcome.RULED_OUT}
_OUTCOMES |= {"ruled_out": Outcome.RULED_OUT, "ruledout": Outcome.RULED_OUT, "rule-out": Outcome.RULED_OUT}


async def run(inv: Invocation) -> None:
    word, rest = first_word(inv.args)
    if not word:
        raise UserError(Problem.USAGE, need="hypothesis", usage=USAGE)
    outcome_word, why = first_word(rest)
    settling = word.isascii() and word.isdigit() and outcome_word.lower() in _OUTCOMES
    if word.isascii() and word.isdigit() and not settling:
        raise UserError(Problem.HYPOTHESIS_OUTCOME, number=word, word=outcome_word, usage=USAGE)
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        if settling:
            await hypotheses.settle(
                session,
                now=inv.services.clock.now(),
                incident=incident,
                user=inv.user,
                number=int(word[:6]),
                outcome=_OUTCOMES[outcome_word.lower()],
                why=mrkdwn.from_command(why),
            )
        else:
            await hypotheses.propose(
                session,
                now=inv.services.clock.now(),
                incident=incident,
                user=inv.user,
                text=mrkdwn.from_command(inv.args),
            )
    inv.changed()
    await inv.reply()
