"""`/incident drill list | <scenario> [speed] [@people…] | hint`: rehearse a runbook's incident (bot.drills)."""

from __future__ import annotations

from bot.drills import library
from bot.drills.board import board, hint
from bot.drills.player import MAX_SPEED, start
from bot.errors import Problem, UserError
from commands.arguments import user_ref
from commands.invocation import Invocation

NAME = "drill"
USAGE = "drill list · drill <scenario> [speed] [@people…] · drill hint"
SUMMARY = "rehearse a runbook's incident in a drill channel, scored when resolved (nothing real is touched)"


async def run(inv: Invocation) -> None:
    words = inv.args.split()
    services = inv.services
    now = services.clock.now()
    if not words or words[0].lower() == "list":
        if len(words) > 1:
            raise UserError(Problem.TAKES_NO_ARGUMENTS, command="drill list", usage=USAGE)
        async with services.db.session_scope() as session:
            entries = await board(session, config=services.config)
        await inv.reply(inv.render("drill_list.md.j2", board=entries, now=now))
        return
    if words[0].lower() == "hint":
        async with services.db.session_scope() as session:
            incident = await inv.incident_here(session)
            await hint(session, config=services.config, incident=incident, user=inv.user, now=now)
        inv.changed()
        await inv.reply()
        return
    scenario, rest = words[0], words[1:]
    speed = 1.0
    if rest and not rest[0].startswith("<"):
        try:
            speed = float(rest[0].rstrip("x×"))
        except ValueError:
            raise UserError(Problem.DRILL_SPEED, speed=rest[0], most=MAX_SPEED) from None
        rest = rest[1:]
    people = [user_ref(word) for word in rest]
    async with services.db.session_scope() as session:
        drill = await start(
            session,
            config=services.config,
            scenario=scenario,
            speed=speed,
            user=inv.user,
            channel=inv.channel,
            people=people,
            now=now,
        )
        played = library(services.config.drills_dir)[drill.scenario]
    inv.changed()
    await inv.reply(inv.render("drill_started.md.j2", drill=drill, scenario=played))
