"""What a change to an incident sets off is one list (`bot.consequences`), and the lifecycle reaches no capability
that follows it: importing the incidents imports neither the deploy freeze, the notify table, drills nor memory."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.incidents.followers import register, registered
from bot.incidents.timeline import EventKind

K = EventKind


def test_the_one_list_of_what_each_change_sets_off() -> None:
    assert registered() == [
        ("deploy freeze", frozenset({K.DECLARED, K.SEVERITY_CHANGED, K.RESOLVED})),
        ("notify table", frozenset({K.DECLARED, K.SEVERITY_CHANGED, K.ACKNOWLEDGED, K.STATUS_UPDATE, K.RESOLVED})),
        ("ticket", frozenset({K.ACTION_ITEM})),
        ("drill scorecard", frozenset({K.RESOLVED})),
        ("memory", frozenset({K.DECLARED, K.RESOLVED})),
    ]


def test_a_follower_of_a_change_nobody_announces_is_refused() -> None:
    async def nothing(*_: object) -> None:
        return None

    with pytest.raises(ValueError, match="no follower hears of"):
        register("noise", nothing, on=(K.NOTE,))


def test_the_lifecycle_imports_none_of_its_followers() -> None:
    probe = (
        "import sys, bot.incidents, bot.incidents.lifecycle, bot.incidents.roles\n"
        "print(sorted(m for m in sys.modules if m.startswith(('bot.notify', 'bot.deploys', 'bot.memory', "
        "'bot.drills.scorecard'))))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
