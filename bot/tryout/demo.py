"""`sevbot demo`: the embedded default. No Slack account and nothing to install: the Slack emulator, SQLite in
a temporary folder, and one scripted night played through the bot's real HTTP server (Alertmanager's webhook,
signed slash commands, button clicks and forms), then printed as the people in those channels would read it."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.clock import ManualClock
from bot.config import Config, parse_config
from bot.runtime.server import ServerOptions
from bot.serving.simulated import SimulatedBackend
from bot.tryout import terminal
from bot.tryout.emulator import SlackEmulator, render_channel, render_home, render_message
from bot.tryout.emulator.sandbox import Sandbox, sandbox
from bot.tryout.emulator.transcript import named
from bot.tryout.emulator.webhooks import camera_alerts
from bot.tryout.integrations import WEBHOOK_SECRET, Beyond, pagerduty_webhook
from bot.tryout.terminal import show

__all__ = ["DEMO_CONFIG", "run_demo"]

PEOPLE = {
    "U0001": "alice",
    "U0002": "bob",
    "U0003": "carol",
    "U0004": "dave",
    "U0005": "erin",
    "U0009": "mona",  # the ML platform manager: the first escalation step
    "U0010": "dan",  # the director: the second
}
DEMO_CONFIG = {
    "channels": {"alerts": "ml-alerts", "announcements": "incidents"},
    "incident_channel_prefix": "inc",
    "responders": ["U0005"],
    "escalation": [{"after": "10m", "notify": ["U0009"]}, {"after": "20m", "notify": ["U0010"]}],
    "freeze_deploys": ["SEV1", "SEV2"],  # an open SEV1/SEV2 holds its model's deploys: CI asks GET /deploys/<model>
    # the runbook's notify table: SEV1 pages (PagerDuty) and posts in #critical-incidents; SEV3/SEV4 get a Jira
    # ticket, and action items become tickets too (the URLs are the demo's local stand-ins, filled in at start)
    "severities": {"SEV1": {"channels": ["critical-incidents"]}},
    "insights": {"digest": {"weekday": "sunday", "at": "13:00"}},  # the weekly digest in #incidents (off by default)
    "integrations": {
        "pagerduty": {"events_url": "http://127.0.0.1:9/v2/enqueue"},
        "jira": {"url": "http://127.0.0.1:9", "project": "MLOPS"},
    },
    "models": {
        "cv-detector": {
            "owners": ["U0003"],
            "oncall": ["U0004"],
            "serving": {
                "backend": "simulated",
                "versions": [
                    {
                        "version": "1.8.2",
                        "dataset": "a91c3e0",
                        "commit": "4be1f0c9",
                        "created_at": "2026-10-30T09:00:00Z",
                    },
                    {
                        "version": "2.0.0",
                        "dataset": "b4f7a10",
                        "commit": "9d2c7a1e",
                        "created_at": "2026-11-22T02:40:00Z",
                    },
                    {
                        "version": "2.1.0",
                        "dataset": "c0de5e1",
                        "commit": "77e1b2f0",
                        "created_at": "2026-11-22T04:55:00Z",
                    },
                ],
                "live": "2.0.0",
                "canary": {"version": "2.1.0"},  # the canary the release pipeline starts in the second act
                "quality": {"2.0.0": 0.62, "1.8.2": 0.61, "2.1.0": 0.57},  # mAP on a healthy camera
                # site B's 18 cameras switch to IR at 02:50 and 2.0.0 cannot see in IR: model-wide, about 0.51
                "degraded": {"2.0.0": {"slices": 18, "of": 40, "value": 0.38, "after": "15m"}},
            },
            "metrics": {"backend": "simulated"},
            "fallback": "cv-detector-lite",
            "slos": {"map": {"min": 0.55, "window": "60m", "name": "mAP"}},
            # the second act: a canary of 2.1.0 more than a point of mAP below stable for 10 min is frozen by sevbot
            "guardrails": {"checks": {"map": {"max_drop": 0.01}}, "for": "10m", "action": "freeze", "countdown": "2m"},
            "runbook": "https://wiki.example/runbooks/cv-detector",
            "dashboard": "https://grafana.example/d/cv-detector",
            # a runbook step beyond the model, on the team's deploy API (the demo's stand-in): the second act's
            "actions": {
                "hold-release": {
                    "title": "Hold the release train",
                    "kinds": ["quality"],
                    "url": "https://deploy.example/api/$model/hold",
                    "body": {"incident": "INC-$incident", "reason": "$input"},
                    "input": {"label": "Reason", "pattern": ".{1,120}"},
                }
            },
        },
        "ranker": {"owners": ["U0002"], "serving": {"backend": "simulated"}},
    },
}


class Script:
    def __init__(self, box: Sandbox, clock: ManualClock, beyond: Beyond | None = None) -> None:
        self.box = box
        self.clock = clock
        self.beyond = beyond

    def told(self) -> None:
        """What reached PagerDuty and Jira (the demo's stand-ins) since the last look."""
        if self.beyond is not None:
            for line in self.beyond.news():
                show(f"             {line}")

    async def at(self, minutes: int) -> None:
        """Move the clock; sevbot's scheduler looks at what fell due (reminders, escalation) as it would."""
        self.clock.set(START + timedelta(minutes=minutes))
        before = {c.id: len(c.messages) for c in self.box.ws.channels.values()}
        if not await self.box.services.cadence.tick():
            return
        await self.box.settled()
        for channel in list(self.box.ws.channels.values()):
            for message in channel.messages[before.get(channel.id, 0) :]:
                where = f"a DM to @{PEOPLE.get(channel.name, channel.name)}" if channel.is_im else f"#{channel.name}"
                said = render_message(self.box.ws, message).splitlines()[1].strip()
                show(f"  {self.clock.now():%H:%M} UTC  sevbot in {where}: {said}")

    async def watch(self, minutes: int) -> None:
        """Move the clock in the second act: the guardrail watch ticks too, and whatever fell due is done."""
        self.clock.set(START + timedelta(minutes=minutes))
        before = {c.id: len(c.messages) for c in self.box.ws.channels.values()}
        await self.box.services.guardrails.tick()
        self.box.services.dispatcher.wake()
        await self.box.settled()
        for channel in list(self.box.ws.channels.values()):
            for message in channel.messages[before.get(channel.id, 0) :]:
                if message.ephemeral_to is not None:
                    continue
                said = render_message(self.box.ws, message).splitlines()[1].strip()
                show(f"  {self.clock.now():%H:%M} UTC  sevbot in #{channel.name}: {said}")
        self.told()

    def post(self, who: str, channel: str, text: str) -> str:
        """Someone writes in a channel (a person's message: it goes to Slack, not through sevbot)."""
        self.say(who, text)
        return self.box.ws.post_as(who, channel, text)

    def say(self, who: str, what: str) -> None:
        show(f"  {self.clock.now():%H:%M} UTC  @{PEOPLE[who]}: {what}")

    async def slash(self, who: str, channel: str, text: str) -> None:
        self.say(who, f"/incident {named(self.box.ws, text)}")  # as typed: Slack shows a mention as @erin
        reply = await self.box.driver.slash(who, channel, text)
        answer = named(self.box.ws, str((reply.json or {}).get("text") or ""))
        if answer:  # every line of it (`/incident list` is a list)
            first, *more = answer.splitlines()
            show(f"             (only @{PEOPLE[who]} sees) {first}")
            for line in more:
                show(f"               {line}")
        await self.box.settled()
        self.told()

    async def click(self, who: str, channel: str, action: str, label: str, *, ts: str | None = None) -> None:
        where = "on the incident card" if ts is None else f"in #{self.box.ws.channels[channel].name}"
        self.say(who, f"clicks [{label}] {where}")
        await self.box.driver.click(who, channel, ts or self.box.ws.channels[channel].pins[0], action)
        await self.box.settled()
        self.told()

    async def alertmanager(self, status: str, cameras: range, value: float) -> None:
        print(f"  {self.clock.now():%H:%M} UTC  Alertmanager → POST /alerts/alertmanager: {len(cameras)} {status}")
        code, answer = await self.box.post_alert("alertmanager", _am_payload(status, cameras, value))
        print(f"             {code} {answer}")
        await self.box.settled()

    async def phone(self, who: str, event_type: str) -> None:
        """The on-call answers the page on their phone: PagerDuty's signed webhook comes back to sevbot."""
        assert self.beyond is not None
        (key,) = [k for k in self.beyond.pagerduty.pages][-1:]
        self.say(
            who, f"{event_type.split('.')[-1].replace('acknowledged', 'acknowledges')} the page in PagerDuty's app"
        )
        raw, headers = pagerduty_webhook(WEBHOOK_SECRET, event_type=event_type, incident_key=key, agent=PEOPLE[who])
        async with self.box.driver.http.post(f"{self.box.url}/paging/pagerduty", data=raw, headers=headers) as r:
            show(f"             PagerDuty → POST /paging/pagerduty: {r.status} {(await r.json()).get('outcome')}")
        await self.box.settled()

    async def ci_gate(self, model: str) -> None:
        """The release pipeline asks whether it may deploy (`curl --fail` on the gate)."""
        code, answer = await self.box.deploy_gate(model)
        show(f"  {self.clock.now():%H:%M} UTC  CI pipeline → GET /deploys/{model}")
        reasons = "; ".join(f"{r['incident']}: {r['why']}" for r in answer.get("reasons", []))
        said = f"{code} frozen ({reasons}): the deploy waits" if code == 423 else f"{code} not frozen: the deploy goes"
        show(f"             {said}")

    async def monitor(self, body: dict[str, object]) -> None:
        print(f"  {self.clock.now():%H:%M} UTC  drift monitor → POST /alerts/generic: {body['model']} {body['metric']}")
        code, answer = await self.box.post_alert("generic", body)
        print(f"             {code} {answer}")
        await self.box.settled()


START = datetime(2026, 11, 22, 3, 12, tzinfo=UTC)


def _am_payload(status: str, cameras: range, value: float) -> dict[str, object]:
    """Per-camera mAP alerts of cv-detector, 2.0.0 having gone live at 02:40."""
    return camera_alerts(
        status,
        cameras,
        value,
        starts_at="2026-11-22T02:55:00Z",
        ends_at="2026-11-22T03:15:00Z",
        deployed_at="2026-11-22T02:40:00Z",
    )


async def play(box: Sandbox, clock: ManualClock, beyond: Beyond | None = None) -> str:
    s = Script(box, clock, beyond)
    general, alerts = box.channel("general").id, box.channel("ml-alerts").id
    print("The night, as it was played:\n")
    await s.at(-7)
    await s.alertmanager("firing", range(23, 39), 0.38)
    channel = box.incident_channels()[0].id
    await s.at(-6)
    await s.monitor(
        {
            "model": "ranker",
            "metric": "score_psi",
            "name": "RankerScoreDrift",
            "summary": "ranker score drift",
            "histograms": {"baseline": [120, 340, 310, 160, 70], "current": [60, 210, 330, 250, 150]},
        }
    )
    await s.at(-4)
    await s.click("U0002", alerts, "alert_dismiss", "Dismiss as noise", ts=box.ws.channels[alerts].messages[-1].ts)
    view = await box.opened_view("Dismiss as noise")
    await box.driver.submit("U0002", view, {"reason": "the weekly catalogue refresh shifts scores; expected"})
    await box.settled()
    await s.at(-1)
    await s.click("U0004", alerts, "alert_rollback", "Roll back cv-detector", ts=box.ws.channels[alerts].messages[0].ts)
    plan = [m for m in box.ws.channels[alerts].messages if m.ephemeral_to == "U0004" and "Confirm" in str(m.blocks)][-1]
    show(f"             (only @dave sees) {plan.text.splitlines()[0]}")
    await s.click("U0004", alerts, "action_confirm", "Confirm", ts=plan.ts)
    await s.at(0)
    await s.alertmanager("firing", range(23, 41), 0.38)
    await s.slash("U0004", general, "list")
    await s.ci_gate("cv-detector")  # someone's pipeline wants to ship cv-detector 2.0.1 tonight
    await s.at(3)  # rolled back, but nobody has acknowledged: the first escalation step
    await s.click("U0002", channel, "incident_take_command", "I'll be commander")
    await s.slash("U0002", channel, "role comms <@U0005|erin>")
    # alice has no part in the incident: she may note and coordinate, not undo it (told privately, on the timeline)
    await s.slash("U0001", channel, "severity sev3 looks minor from here")
    await s.at(4)  # the rollback shows: the per-camera rule stops firing and Alertmanager says so
    await s.alertmanager("resolved", range(23, 41), 0.61)
    await s.at(5)
    await s.slash("U0004", channel, "hypothesis a camera firmware push on site B")
    await s.slash("U0003", channel, "hypothesis 2.0.0 was trained without night IR frames")
    await s.at(6)
    await s.slash("U0004", channel, "hypothesis 1 ruled-out site B firmware unchanged since October")
    await s.slash(
        "U0003",
        channel,
        "note rca 2.0.0 (live 02:40) was trained without night IR frames; cams 23-40 switch to IR at night",
    )
    await s.at(7)
    said = s.post("U0003", channel, "IR switch-over on site B is at 02:50, five minutes before the first alert")
    s.say("U0002", "Add to timeline (message shortcut) on that message")
    await box.driver.message_shortcut("U0002", channel, said, "add_to_timeline")
    await box.settled()
    await s.slash(
        "U0002", channel, "hypothesis 2 confirmed 2.0.0's training set has no IR frames; site B goes IR at 02:50"
    )
    await s.slash("U0002", channel, "status identified")
    await s.at(9)
    await s.slash("U0002", channel, "severity sev1 site B's night shift runs on these cameras: treat as customer-wide")
    if beyond is not None:
        await s.phone("U0004", "incident.acknowledged")
    await s.at(12)
    await s.slash("U0002", channel, "verify")
    await s.at(24)  # SEV1 since 03:21: an update every 15 min
    await s.at(26)
    s.say("U0002", "clicks [Post update] on the reminder and fills in the pre-filled form")
    reminder = [m for m in box.ws.channels[channel].messages if m.text.startswith(":alarm_clock:")][-1]
    await box.driver.click("U0002", channel, reminder.ts, "incident_post_update")
    view = await box.opened_view("Post an update")
    await box.driver.submit(
        "U0002",
        view,
        {
            "text": "cv-detector rolled back to 1.8.2 at 03:11; mAP back to 0.61 on cams 23-40 and holding.",
            "impact": "Missed detections on 18 of 40 cameras from 02:55",
            "scope": "cameras 23-40 (site B)",
            "mitigation": "rollback to 1.8.2 (sevbot, from the alert card)",
        },
    )
    await box.settled()
    await s.at(34)
    await s.slash("U0002", channel, "status monitoring")
    await s.at(42)
    reminder = [m for m in box.ws.channels[channel].messages if m.text.startswith(":alarm_clock:")][-1]
    await s.click("U0005", channel, "incident_snooze_60", "Snooze 60 min", ts=reminder.ts)
    await s.at(78)
    await box.settled()  # the verification sevbot scheduled an SLO window after the rollback is due
    await s.at(84)  # the ledger: 2.0.0 is known bad, 1.8.2 known good since its verification
    await s.slash("U0003", channel, "rollback cv-detector to 2.0.0")
    plan = [m for m in box.ws.channels[channel].messages if m.ephemeral_to == "U0003" and "Confirm" in str(m.blocks)][
        -1
    ]
    for line in plan.text.splitlines()[:2]:
        show(f"             (only @carol sees) {line}")
    await s.click("U0003", channel, "action_cancel", "Cancel", ts=plan.ts)
    await s.at(90)
    await s.slash("U0003", channel, "action add a night-IR slice to the canary checks <@U0003|carol>")
    await s.slash("U0002", channel, "action pin preprocessing and model versions together <@U0004|dave>")
    await s.at(95)
    await s.slash("U0002", channel, "resolve mAP ≥ 0.55 on all cameras for 60 min after the rollback to 1.8.2")
    await s.ci_gate("cv-detector")
    await s.at(97)
    notice = [m for m in box.ws.channels[channel].messages if "incident_postmortem" in str(m.blocks)][-1]
    await s.click("U0002", channel, "incident_postmortem", "Write the postmortem", ts=notice.ts)
    await second_act(s, box)
    await third_act(s, box)
    return channel


async def second_act(s: Script, box: Sandbox) -> None:
    """A canary of 2.1.0 at 5 % breaches its mAP guardrail: sevbot opens the incident, counts down, freezes the
    canary itself, the CI gate says frozen; resolved, the deploys thaw."""
    print("\nThe second act, a canary:\n")
    s.clock.set(START + timedelta(minutes=110))
    backend = SimulatedBackend("cv-detector", DEMO_CONFIG["models"]["cv-detector"]["serving"])  # type: ignore[index]
    await backend.canary(5)
    show(f"  {s.clock.now():%H:%M} UTC  release pipeline → the simulated model service: canary 2.1.0 at 5 % of traffic")
    await s.watch(110)  # the guardrail is breached: counting
    await s.watch(115)
    await s.watch(120)  # 10 min, consecutively: the incident, the countdown, the deploys frozen
    await s.ci_gate("cv-detector")
    await s.watch(122)  # the countdown ran out: sevbot freezes the canary itself
    state = await backend.describe()
    show(f"             the simulated model service now: canary {state.canary or '—'} at {state.canary_percent:g} %")
    incident = [c for c in box.incident_channels() if "canary" in c.name][-1].id
    await remembered(s, box, incident)
    await s.slash("U0004", incident, "run hold-release canary 2.1.0 breached its mAP guardrail")  # a runbook action
    plan = [m for m in box.ws.channels[incident].messages if m.ephemeral_to == "U0004" and "Confirm" in str(m.blocks)]
    for line in plan[-1].text.splitlines()[:1]:
        show(f"             (only @dave sees) {named(box.ws, line)}")
    await s.click("U0004", incident, "action_confirm", "Confirm", ts=plan[-1].ts)
    await s.slash("U0004", incident, "resolve canary 2.1.0 frozen at 0 %; it stays known bad until its IR fix")
    await s.ci_gate("cv-detector")


async def remembered(s: Script, box: Sandbox, channel: str) -> None:
    """The canary's card names the night's incident as the one most like it; erin joins late and is caught up."""
    card = render_message(box.ws, box.ws.channels[channel].message(box.ws.channels[channel].pins[0]))
    for line in card.splitlines():
        if "Seen before" in line or line.strip().startswith("• *INC-"):
            show(f"             card: {line.strip()}")
    s.say("U0005", f"joins #{box.ws.channels[channel].name}")  # two minutes after the declaration: late
    await box.driver.join("U0005", channel)
    await box.settled()
    caught = [m for m in box.ws.channels[channel].messages if m.ephemeral_to == "U0005" and "Welcome" in m.text]
    for line in render_message(box.ws, caught[-1]).splitlines()[1:]:
        show(f"             (only @erin sees) {line.strip()}")


async def third_act(s: Script, box: Sandbox) -> None:
    """The next morning, a drill: bob plays the lighting scenario with carol at 60x on a simulated service of its
    own; nothing real is paged or frozen; resolving it posts the scorecard, which `/incident drill list` keeps."""
    print("\nThe third act, a drill the next day:\n")
    morning = START + timedelta(hours=9)
    s.clock.set(morning)
    general = box.channel("general").id
    await s.slash("U0002", general, "drill lighting 60 <@U0003|carol>")
    channel = next(c for c in box.ws.channels.values() if c.name.startswith("drill-"))
    show(f"             sevbot opens #{channel.name} with @bob and @carol")
    seen = len(channel.messages)

    async def later(seconds: int) -> None:  # the wall's seconds: a minute of the drill each
        nonlocal seen
        s.clock.set(s.clock.now() + timedelta(seconds=seconds))
        await box.services.drills.tick()
        await box.services.cadence.tick()
        await box.settled()
        for message in channel.messages[seen:]:
            if message.ephemeral_to is None and not message.subtype:
                first, *more = render_message(box.ws, message).splitlines()[1:]
                show(f"  {s.clock.now():%H:%M:%S}  sevbot in #{channel.name}: {first.strip()}")
                for line in more if "scorecard" in first or "hint" in first else []:
                    show(f"             {line.strip()}")
        seen = len(channel.messages)

    await s.slash("U0003", channel.id, "ack")
    await later(4)
    await s.slash("U0003", channel.id, "drill hint")
    await later(1)
    await s.slash("U0003", channel.id, "fallback cv-detector on")  # the brief's name: in a drill, its drill's model
    plan = [m for m in channel.messages if m.ephemeral_to == "U0003" and "Confirm" in str(m.blocks)][-1]
    await s.click("U0003", channel.id, "action_confirm", "Confirm", ts=plan.ts)
    await s.slash("U0003", channel.id, "hypothesis the new LEDs in hall B overexpose cameras 23-40")
    await s.slash("U0003", channel.id, "action add a brightness check to the camera install runbook")
    for _ in range(3):  # an update before each falls due (SEV2: every 30 min, 30 s at 60x), through the window
        await s.slash("U0003", channel.id, "update on the fallback; mAP back to 0.61, verifying")
        await later(25)
    await s.slash("U0003", channel.id, "resolve fallback held mAP >= 0.60 for the window")
    await later(1)
    await s.slash("U0002", general, "drill list")
    await s.slash("U0002", general, "stats 30d")  # the night's incidents, the drill left out
    await home_and_digest(s, box)


async def home_and_digest(s: Script, box: Sandbox) -> None:
    """bob opens sevbot's App Home tab; at 13:00 the weekly digest is posted in #incidents."""
    s.say("U0002", "opens sevbot's App Home tab")
    await box.driver.open_home("U0002")
    await box.settled()
    for line in render_home(box.ws, "U0002").splitlines():
        show(f"             │ {line}")
    s.clock.set(s.clock.now().replace(hour=13, minute=0))
    await box.services.digests.tick()
    await box.settled()
    announcements = box.channel("incidents")
    (digest,) = [m for m in announcements.messages if "Weekly ML incident digest" in m.text]
    first, *more = render_message(box.ws, digest).splitlines()[1:]
    show(f"  {s.clock.now():%H:%M}      sevbot in #incidents: {first.strip()}")
    for line in more:
        show(f"             {line.strip()}")


async def run_demo(out: Path | None = None) -> int:
    """Play the night and print it; with `out`, also leave the postmortem, every chart and the transcript there."""
    logging.getLogger().setLevel(logging.WARNING)
    clock = ManualClock(START)
    SimulatedBackend.reset(clock.now)  # the simulated model service starts at 2.0.0 each run, on the demo's clock
    emulator = SlackEmulator(now=lambda: clock.now().timestamp())
    for user_id, name in PEOPLE.items():
        emulator.workspace.add_user(user_id, name)
    for name in ("general", "ml-alerts", "incidents", "critical-incidents"):
        emulator.workspace.add_channel(name, members=list(PEOPLE))
    emulator.workspace.users["U0003"].email = "carol@example.com"  # Jira knows carol by her email
    beyond = Beyond()
    await beyond.start()
    config: Config = parse_config(beyond.config(DEMO_CONFIG), source="demo configuration")
    try:
        return await _run(clock, emulator, beyond, config, out)
    finally:
        await beyond.stop()


async def _run(clock: ManualClock, emulator: SlackEmulator, beyond: Beyond, config: Config, out: Path | None) -> int:
    with tempfile.TemporaryDirectory(prefix="sevbot-demo-") as folder:
        url = f"sqlite:///{Path(folder) / 'sevbot.db'}"
        # Script.at ticks as the clock moves
        options = ServerOptions(clock=clock, poll_s=0.05, tick_s=0, credentials=beyond.credentials())
        async with sandbox(database_url=url, config=config, emulator=emulator, options=options) as box:
            night = _Tee(sys.stdout)
            with contextlib.redirect_stdout(night):  # printed as it happens, and kept for transcript.txt
                channel = await play(box, clock, beyond)
            rule = "\n" + "=" * 100 + "\n"
            channels = [
                f"{rule}What #ml-alerts shows:\n\n{render_channel(box.ws, box.channel('ml-alerts').id)}",
                f"{rule}What the incident channel shows:\n\n{render_channel(box.ws, channel)}",
                f"{rule}What #incidents shows:\n\n{render_channel(box.ws, box.channel('incidents').id)}",
                f"{rule}What #critical-incidents shows:\n\n"
                + render_channel(box.ws, box.channel("critical-incidents").id),
            ]
            postmortem = next(f for f in box.ws.files.values() if str(f["name"]).endswith("-postmortem.md"))
            document = bytes(postmortem["content"]).decode()
            drafted = f"{rule}The postmortem draft ({postmortem['name']}, uploaded to the channel):\n\n{document}"
            for part in channels:
                show(part)  # as people read it: bold, emoji, links
            print(drafted)  # Markdown, as the file has it
            parts = [night.text().rstrip("\n"), *(terminal.plain(part) for part in channels), drafted]
            transcript = "\n".join(parts)
            if out is not None:
                written = _leave(out, transcript, [f for f in box.ws.files.values() if f["content"] is not None])
                print(f"\nLeft in {out}: {', '.join(written)}")
    return 0


def _leave(out: Path, transcript: str, files: list[dict[str, object]]) -> list[str]:
    """The transcript and every file uploaded during the night (the postmortem, each chart), by their names."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "transcript.txt").write_text(transcript + "\n")
    written = ["transcript.txt"]
    names = {str(item["id"]): Path(str(item["name"])).name for item in files}  # own names: nothing lands outside
    for item in files:
        name = names[str(item["id"])]
        content = item["content"]
        assert isinstance(content, bytes | bytearray)
        if name.endswith(".md"):  # its links to charts point at the PNGs beside it, not at Slack's copies
            text = PERMALINK.sub(lambda m: names.get(m["id"], m[0]), bytes(content).decode())
            content = text.encode()
        (out / name).write_bytes(bytes(content))
        written.append(name)
    return written


ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\")  # styles and hyperlinks, for the plain copy
PERMALINK = re.compile(r"https://emulator\.slack\.test/files/[A-Z0-9]+/(?P<id>F[A-Z0-9]+)/[^\s)]+")


class _Tee(io.StringIO):
    """Writes through to `echo` (styled, if it is a terminal) and keeps a plain copy."""

    def __init__(self, echo: TextIO) -> None:
        super().__init__()
        self.echo = echo

    def isatty(self) -> bool:
        return self.echo.isatty()

    def write(self, text: str) -> int:
        self.echo.write(text)
        return super().write(ANSI.sub("", text))

    def text(self) -> str:
        return self.getvalue()
