"""`sevbot demo`, the main job: it runs to the end and shows what each part of sevbot did."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from matplotlib import image as mpimg

from bot.config import parse_config
from bot.metrics import source_for
from bot.serving.simulated import SimulatedBackend
from bot.tryout import terminal
from bot.tryout.demo import DEMO_CONFIG, START, run_demo

GOLDEN = Path(__file__).parents[1] / "golden" / "postmortem_demo.md"


async def test_the_demo_plays_the_night_through(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_demo() == 0
    out = capsys.readouterr().out

    def shown(mrkdwn: str) -> bool:  # the terminal shows mrkdwn as read: bold as bold, emoji as characters
        return terminal.plain(mrkdwn) in out

    assert ":rotating_light:" not in out.split("The postmortem draft")[0] and "🚨" in out
    assert "*SEV1 · INC-1 · cv-detector mAP below SLO on some cameras*" not in out
    assert "  SEV1 · INC-1 · cv-detector mAP below SLO on some cameras\n" in out  # bold on a terminal, plain here
    assert "(only @dave sees) Open incidents (1)\n               • SEV2 #inc-20261122-1-cv-detector" in out
    # Alerts in, triaged, declared automatically; the drift card dismissed with a reason.
    assert shown("202 {'alerts': {'new': 16, 'updated': 0, 'resolved': 0}, 'incidents': [1], 'declared': [1]")
    assert shown("localized: 16 of 40 cameras (40 %)")
    assert shown("roll back `cv-detector` first — deployed 15 min before the breach")
    assert shown(":white_check_mark: Declared automatically as *INC-1* → #inc-20261122-1-cv-detector-map-below-slo")
    assert shown(":no_entry_sign: Dismissed as noise by @bob at 03:08 UTC: the weekly catalogue refresh")
    # Contained from the alert card, through the (simulated) model service, after a private confirmation.
    assert shown("*Rollback on the simulated model service:* cv-detector: 2.0.0 (data b4f7a10")
    assert shown(":rewind: `cv-detector` rolled back on the simulated model service: 2.0.0 → *1.8.2* (by @dave).")
    assert shown("(only @alice sees) :warning: You may not lower the severity of INC-1: that is for its people")
    assert shown(":no_entry: @alice tried to lower the severity but may not")
    # Verified: too early by hand, then recovered an SLO window after the rollback, unasked.
    assert shown(":x: mAP 0.619: 73 % of the last 1 h inside ≥ 0.55 — not recovered")
    recovered = "mAP 0.604 ≥ 0.55 for 1 h — recovered, ready to resolve (better than the breach, p < 0.001)"
    assert shown(f":white_check_mark: {recovered}")
    # one chart with each verification, uploaded once, titled with its verdict: the postmortem links to them
    assert shown("📎 cv-detector mAP, INC-1: not recovered at 03:24 UTC")
    assert shown("📎 cv-detector mAP, INC-1: recovered at 04:30 UTC")
    assert shown("— [chart](https://emulator.slack.test/files/")
    # the impact's end and length, from the alerts: not the time to resolve
    assert shown("on 18 of 40 cameras (cam-23 to cam-40) from 02:55 UTC to 03:15 UTC (20 min)")
    # Hypotheses tried: one ruled out, one confirmed; the severity change says why.
    assert shown("Hypothesis 1 *ruled out* by @dave: a camera firmware push on site B — site B firmware unchanged")
    assert shown("Hypothesis 2 *confirmed* by @bob: 2.0.0 was trained without night IR frames")
    assert shown("Severity changed from SEV2 to *SEV1* by @bob: site B's night shift runs on these cameras")
    # The people's side: commander, roles, update, severity, resolution, announcements.
    assert shown("topic: SEV1 · resolved · IC @bob")
    assert shown("*sevbot's triage said SEV2, because:*")
    assert shown("*Alerts on this incident:* 0 firing, 18 resolved")
    assert shown("*Resolved: INC-1 cv-detector mAP below SLO on some cameras* (SEV1")
    # The cadence and the escalation of silence, on the demo's clock.
    assert "03:15 UTC  sevbot in a DM to @mona: 🚨 SEV2 INC-1: nobody has acknowledged it" in out
    assert shown("Done so far: cv-detector was rolled back 2.0.0 → 1.8.2 by @dave at 03:11 UTC.")
    # The version ledger: 2.0.0 known bad, 1.8.2 known good once verified; going back to 2.0.0 is flagged in red.
    assert shown("1.8.2 (data a91c3e0, commit 4be1f0c, created 22 d 19 h ago, known good: verified in INC-1)")
    assert "🔴 2.0.0 is known bad: rolled back in INC-1 (cv-detector mAP below SLO" in out
    # The alert card says what became of it, with no button left to act on a resolved incident.
    assert shown("\n  :checkered_flag: INC-1 was resolved at 04:47 UTC; cv-detector was rolled back 2.0.0 → 1.8.2")
    assert shown("0 firing, 16 resolved")
    reminded = "UTC  sevbot in #inc-20261122-1-cv-detector-map-below-slo-on-some-cameras: ⏰"
    assert "03:36 " + reminded + " An update is due now (SEV1: every 15 min)." in out
    assert shown(":zzz: Snoozed by @erin until 04:54 UTC; the next reminder comes then.")
    assert out.count(reminded) == 2  # at 03:36, again at 03:54; snoozed past the resolution: no third
    assert shown("Note from @bob (a message by @carol, added to the timeline): IR switch-over on site B")
    # The deploy freeze: an open SEV2 holds cv-detector's deploys; the CI gate waits, then goes once it is resolved.
    asked = "CI pipeline → GET /deploys/cv-detector\n             "
    assert f"03:12 UTC  {asked}423 frozen (INC-1: SEV2 incident open): the deploy waits" in out
    assert f"04:47 UTC  {asked}200 not frozen: the deploy goes" in out
    # The second act: a 5 % canary of 2.1.0 breaches its mAP guardrail for 10 min; sevbot opens the incident, counts
    # down and freezes the canary itself; the CI gate holds until the incident is resolved.
    act = out.split("The second act, a canary:")[1].split("=" * 100)[0]
    assert "05:12 UTC  sevbot in #incidents: 🚨 SEV3 declared: cv-detector canary 2.1.0: map guardrail breached" in act
    assert "at 05:14 UTC I will freeze the canary (0 % of its traffic) myself, unless someone cancels" in act
    assert f"05:12 UTC  {asked}423 frozen (INC-2: map guardrail breached on canary 2.1.0): the deploy waits" in act
    assert "05:14 UTC  sevbot in #inc-20261122-2-cv-detector-canary-2-1-0-map-guardrail-breached: 🚦 cv-detector" in act
    assert "canary traffic set to 0 % (frozen) on the simulated model service (by sevbot)." in act
    assert "the simulated model service now: canary — at 0 %" in act
    assert f"05:14 UTC  {asked}200 not frozen: the deploy goes" in act
    # Memory: the canary's card names the night's incident; erin, joining late, is caught up privately.
    assert (
        "card: • INC-1, 2 h 7 min before (#inc-20261122-1-cv-detector-map-below-slo-on-some-cameras): rolled back"
        in act
    )
    assert "(only @erin sees) 👋 Welcome to INC-2." in act
    assert "(only @erin sees) Contained: canary of cv-detector (2.1.0) set to 0 % at 05:14 UTC by sevbot" in act
    # Beyond Slack: raised to SEV1, PagerDuty is paged; the on-call's acknowledgement comes back; action items and
    # the canary's SEV3 are Jira tickets; resolving resolves the page and comments the ticket.
    night = out.split("The second act, a canary:")[0]
    assert "PagerDuty ← sevbot pages the on-call: [SEV1] INC-1 cv-detector: cv-detector mAP below SLO" in night
    assert "PagerDuty → POST /paging/pagerduty: 200 recorded on INC-1" in night
    assert "Jira ← sevbot opens MLOPS-1: INC-1: add a night-IR slice to the canary checks (assigned to carol)" in night
    assert "PagerDuty ← sevbot resolves the page" in night
    assert "Jira ← sevbot opens MLOPS-3: [SEV3] INC-2 cv-detector: cv-detector canary 2.1.0" in act
    assert "Jira ← sevbot comments on MLOPS-3: the resolution" in act
    assert 'Deploy API ← sevbot POST /api/cv-detector/hold {"incident": "INC-2", "reason": "canary 2.1.0' in act
    assert "What #critical-incidents shows:" in out and "Resolved: INC-1 cv-detector mAP below SLO" in out
    assert "Traceback" not in out
    drill = out.split("The third act, a drill the next day:", 1)[1]  # a drill, to its scorecard and the list
    assert "sevbot opens #drill-" in drill and "9 of 9." in drill and "lighting — Brighter LEDs" in drill
    assert "The last 30 days (since" in drill and "drills left out: 1" in drill and "All · 2 incidents" in drill
    # The postmortem, drafted from the timeline, is the golden file (UPDATE_GOLDEN=1 rewrites it after a change);
    # the demo's Jira listens on a port of the moment.
    document = re.sub(
        r"http://127\.0\.0\.1:\d+/browse/",
        "http://127.0.0.1:PORT/browse/",
        out.split("uploaded to the channel):\n\n", 1)[1],
    )
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(document)
    assert document == GOLDEN.read_text()


async def test_the_demo_leaves_its_postmortem_charts_and_transcript(tmp_path: Path) -> None:
    out = tmp_path / "night"
    assert await run_demo(out) == 0
    names = sorted(p.name for p in out.iterdir())
    charts = [n for n in names if n.endswith(".png")]
    assert "transcript.txt" in names and "INC-1-postmortem.md" in names
    assert charts == [
        "INC-1-mAP-verification-1.png",
        "INC-1-mAP-verification-2.png",
        "INC-2-mAP-guardrail.png",
        "INC-3-mAP-verification-1.png",  # the third act's drill
        "sevbot-insights-30-days.png",  # App Home's chart, after the drill
    ]
    left = (out / "INC-1-postmortem.md").read_text()
    linked = re.findall(r"\[chart\]\(([^)]+)\)", left)
    assert sorted(linked) == charts[:2]  # INC-1's verification charts, beside it
    assert (
        re.sub(r"\[chart\]\([^)]+\)", "[chart]", re.sub(r"127\.0\.0\.1:\d+/", "127.0.0.1:PORT/", left)).rstrip()
        == re.sub(r"\[chart\]\([^)]+\)", "[chart]", GOLDEN.read_text()).rstrip()
    )
    transcript = (out / "transcript.txt").read_text()
    assert transcript.startswith("The night, as it was played:") and "What the incident channel shows:" in transcript
    for chart in charts:
        image = mpimg.imread(out / chart)
        assert image.shape[1] == 1000 and (image[:, :, :3] < 0.9).any(axis=2).mean() > 0.02  # not blank
        if "verification" in chart and chart.startswith("INC-1"):
            assert image.shape[0] > 420  # the metric, and the cameras in breach below it (the night's alerts)


def test_the_demo_models_metric_is_the_mean_of_its_cameras_and_falls_with_them() -> None:
    """2.0.0 went live at 02:40; its 18 night cameras fall to 0.38 at 02:55 (the slices' breach, as the alerts say):
    model-wide, the mean of 40 cameras, not the failing cameras' value and not from the deploy."""
    config = parse_config(DEMO_CONFIG)
    SimulatedBackend.reset(lambda: START)
    source = source_for("cv-detector", config.models["cv-detector"])
    assert source is not None
    SimulatedBackend("cv-detector", config.models["cv-detector"].serving.model_dump())._state()  # 2.0.0 live
    begin = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)
    series = asyncio.run(source.series("map", start=begin, end=START, step=timedelta(minutes=1)))
    at = {datetime.fromtimestamp(t, UTC).strftime("%H:%M"): v for t, v in series}
    healthy = [v for k, v in at.items() if "02:40" <= k < "02:55"]
    breach = [v for k, v in at.items() if k >= "02:55"]
    assert statistics.mean(healthy) == pytest.approx(0.62, abs=0.005)
    assert statistics.mean(breach) == pytest.approx((18 * 0.38 + 22 * 0.62) / 40, abs=0.005)  # 0.512
    assert min(healthy) > 0.55 > max(breach)  # inside the SLO until the cameras fall, outside after
    assert 0.001 < statistics.stdev(breach) < 0.01  # measurement noise, not a flat line or a sawtooth
    assert len({round(b - a, 4) for a, b in itertools.pairwise(breach)}) > 5
