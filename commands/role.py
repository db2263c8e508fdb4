"""`/incident role <commander|ops|ml-owner|comms> <@user>`."""

from __future__ import annotations

from pydantic import BaseModel

from bot import incidents
from bot.errors import Problem, UserError
from bot.models import Role
from commands.arguments import first_word, parse, user_ref
from commands.invocation import Invocation

NAME = "role"
USAGE = "role <commander|ops|ml-owner|comms> <@person>"
SUMMARY = "give a role to someone (they are invited to the channel)"


class RoleArgs(BaseModel):
    role: Role
    user: str


async def run(inv: Invocation) -> None:
    role_word, rest = first_word(inv.args)
    person, extra = first_word(rest)
    if not role_word or not person or extra:
        raise UserError(Problem.USAGE, need="role_person", usage=USAGE)
    if role_word.lower() not in {r.value for r in Role}:
        raise UserError(Problem.NOT_A_ROLE, word=role_word, usage=USAGE)
    args = parse(RoleArgs, role=role_word.lower(), user=user_ref(person))
    async with inv.services.db.session_scope() as session:
        incident = await inv.incident_here(session)
        await incidents.assign_role(
            session,
            config=inv.services.config,
            directory=inv.services.directory,
            now=inv.services.clock.now(),
            incident=incident,
            role=args.role,
            user=args.user,
            actor=inv.user,
        )
    inv.changed()
    await inv.reply()
