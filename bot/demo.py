"""`sevbot demo`: the embedded default. No Slack account and nothing to install: the Slack emulator, SQLite in
a temporary folder, and one scripted incident played through the bot's real HTTP server, then printed as the
people in those channels would read it."""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.config import Config, parse_config
from bot.emulator import SlackEmulator, render_channel
from bot.emulator.sandbox import Sandbox, sandbox
from bot.server import ServerOptions

__all__ = ["DEMO_CONFIG", "run_demo"]

PEOPLE = {"U0001": "alice", "U0002": "bob", "U0003": "carol", "U0004": "dave", "U0005": "erin"}
DEMO_CONFIG = {
    "channels": {"alerts": "ml-alerts", "announcements": "incidents"},
    "incident_channel_prefix": "inc",
    "responders": ["U0005"],
    "models": {
        "cv-detector": {
            "owners": ["U0003"],
            "oncall": ["U0004"],
            "serving": {"backend": "simulated"},
            "fallback": "cv-detector-lite",
            "slos": {"map": {"min": 0.55, "window": "60m"}},
            "runbook": "https://wiki.example/runbooks/cv-detector",
            "dashboard": "https://grafana.example/d/cv-detector",
        }
    },
}


class Script:
    def __init__(self, box: Sandbox, clock: ManualClock) -> None:
        self.box = box
        self.clock = clock

    def at(self, minutes: int) -> None:
        self.clock.set(START + timedelta(minutes=minutes))

    def say(self, who: str, what: str) -> None:
        print(f"  {self.clock.now():%H:%M} UTC  @{PEOPLE[who]}: {what}")

    async def slash(self, who: str, channel: str, text: str) -> None:
        self.say(who, f"/incident {text}")
        reply = await self.box.driver.slash(who, channel, text)
        if reply.ephemeral_text:
            print(f"             (only @{PEOPLE[who]} sees) {reply.ephemeral_text.splitlines()[0]}")
        await self.box.settled()

    async def click(self, who: str, channel: str, action: str, label: str) -> None:
        self.say(who, f"clicks [{label}] on the incident card")
        await self.box.driver.click(who, channel, self.box.ws.channels[channel].pins[0], action)
        await self.box.settled()


START = datetime(2026, 11, 22, 3, 12, tzinfo=UTC)


async def play(box: Sandbox, clock: ManualClock) -> str:
    s = Script(box, clock)
    general = box.channel("general").id
    print("The incident, as it was played:\n")
    await s.slash("U0004", general, "declare sev2 cv-detector mAP down on cameras 23-40 after the night shift")
    channel = box.incident_channels()[0].id
    s.at(3)
    await s.click("U0002", channel, "incident_take_command", "I'll be commander")
    await s.slash("U0002", channel, "role comms <@U0005|erin>")
    s.at(6)
    await s.slash("U0003", channel, "note rca cams 23-40 had LED lighting installed at 02:00; confidence fell 20 %")
    await s.slash("U0002", channel, "status identified")
    s.at(9)
    await s.slash("U0002", channel, "severity sev1")
    s.at(20)
    s.say("U0002", "clicks [Post update] and fills in the form")
    await box.driver.click("U0002", channel, box.ws.channels[channel].pins[0], "incident_post_update")
    view = await box.opened_view("Post an update")
    await box.driver.submit(
        "U0002",
        view,
        {
            "text": "Cams 23-40 routed to 1.8.2; mAP back to 0.61 on them and holding.",
            "impact": "Missed detections on 18 of 40 cameras between 02:05 and 03:30",
            "scope": "cameras 23-40 (site B)",
            "mitigation": "previous model on the affected cameras",
        },
    )
    await box.settled()
    s.at(34)
    await s.slash("U0002", channel, "status monitoring")
    s.at(95)
    await s.slash("U0002", channel, "resolve mAP ≥ 0.55 on all cameras for 60 min after routing cams 23-40 to 1.8.2")
    return channel


async def run_demo() -> int:
    logging.getLogger().setLevel(logging.WARNING)
    clock = ManualClock(START)
    emulator = SlackEmulator(now=lambda: clock.now().timestamp())
    for user_id, name in PEOPLE.items():
        emulator.workspace.add_user(user_id, name)
    for name in ("general", "ml-alerts", "incidents"):
        emulator.workspace.add_channel(name, members=list(PEOPLE))
    config: Config = parse_config(DEMO_CONFIG, source="demo configuration")
    with tempfile.TemporaryDirectory(prefix="sevbot-demo-") as folder:
        url = f"sqlite:///{Path(folder) / 'sevbot.db'}"
        async with sandbox(
            database_url=url, config=config, emulator=emulator, options=ServerOptions(clock=clock, poll_s=0.05)
        ) as box:
            channel = await play(box, clock)
            print("\n" + "=" * 100 + "\nWhat the incident channel shows:\n")
            print(render_channel(box.ws, channel))
            print("\n" + "=" * 100 + "\nWhat #incidents shows:\n")
            print(render_channel(box.ws, box.channel("incidents").id))
    return 0
