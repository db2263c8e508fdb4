"""Every error a person can be told is said by the template, from its code and values: no sentence in Python."""

from __future__ import annotations

import re

import pytest

from bot.errors import Problem, UserError
from bot.texts import TEMPLATES_DIR, Texts


def test_every_problem_has_its_words() -> None:
    source = (TEMPLATES_DIR / "user_error.md.j2").read_text()
    said = set(re.findall(r'(?<![a-z_])p == "([a-z_]+)"', source))
    assert said == {p.value for p in Problem}


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (UserError(Problem.TEXT_TOO_LONG, what="action_item", length=12345, limit=1000), "The action item is 12,345"),
        (
            UserError(Problem.ALREADY_IN_ROLE, person="U0002", role="Ops", incident=4),
            "<@U0002> is already Ops of INC-4.",
        ),
        (UserError(Problem.UNKNOWN_MODEL, model="x<!channel>", known=[]), "`x&lt;!channel&gt;` is not a model"),
        (UserError(Problem.ACTION_ALREADY, status="running", person=None), "someone already confirmed this"),
        (
            UserError(
                Problem.ALREADY_DONE,
                incident=3,
                kind="rollback",
                model="cv",
                done=[{"kind": "rollback", "model": "cv", "before": "2", "after": "1", "by": "U1", "at": None}],
            ),
            "Already done in INC-3: cv was rolled back 2 → 1 by <@U1>. A card does not do it again",
        ),
    ],
)
def test_values_fill_the_words_and_are_escaped(error: UserError, shown: str) -> None:
    assert shown in Texts().problem(error)


def test_an_unknown_code_fails_loudly() -> None:
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        Texts().render("user_error.md.j2", problem="no_such_code")


def test_triage_stores_the_type_and_the_template_names_it_with_its_checks() -> None:
    from bot.triage.kinds import KINDS

    texts = Texts()
    for kind in KINDS:
        shown = texts.render("triage_findings.md.j2", findings=[], actions=[], kind=kind, unknowns=[])
        assert "*Type:* " in shown and "*check first:* 1. " in shown and "3. " in shown, kind
    serving = texts.render("triage_findings.md.j2", findings=[], actions=[], kind="serving", unknowns=[])
    assert "serving / platform" in serving and "feature store" in serving
