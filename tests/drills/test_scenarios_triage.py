"""Each built-in scenario's alerts, sent to a real bot configured with the scenario's model, are triaged by sevbot to
the severity and incident type the runbook expects: the drills' data agree with sevbot's own triage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.config import parse_config
from bot.drills import Scenario, built_in
from bot.models import AlertGroup
from tests.harness import make_emulator, running_bot


def _config(scenario: Scenario) -> dict[str, Any]:
    model = scenario.model
    slos = {name: slo.model_dump(exclude_none=True, mode="json") for name, slo in model.slos.items()}
    for slo in slos.values():  # durations as sevbot.yml writes them
        slo["window"] = f"{int(model.slos[next(iter(model.slos))].window.total_seconds() // 60)}m"
    settings: dict[str, Any] = {"serving": {"backend": "simulated"}, "slos": slos, "owners": ["U0003"]}
    if model.fallback:
        settings["fallback"] = model.fallback
    return {"channels": {"alerts": "ml-alerts"}, "models": {model.name: settings}}


@pytest.mark.parametrize("name", sorted(built_in()))
async def test_the_scenarios_alerts_triage_as_the_runbook_expects(name: str, tmp_path: Path) -> None:
    scenario = built_in()[name]
    async with running_bot(
        f"sqlite:///{tmp_path / 's.db'}", config=parse_config(_config(scenario)), emulator=make_emulator()
    ) as bot:
        for event in scenario.events:
            if event.alert is not None:
                status, answer = await bot.post_alert("generic", {"model": scenario.model.name, **event.alert})
                assert status == 202, answer
        await bot.settled()
        async with bot.services.db.session_scope() as session:
            (group,) = (await session.exec(select(AlertGroup))).all()
    assert group.triage["severity"] == scenario.expected.severity, group.triage
    if scenario.expected.kind:
        assert group.triage["kind"] == scenario.expected.kind, group.triage
