"""A bot wired to stand-ins of PagerDuty, Opsgenie and Jira that check every request against the services' published
API descriptions, and to a real SMTP server (aiosmtpd) on loopback with STARTTLS and a login."""

from __future__ import annotations

import contextlib
import copy
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from bot.config import parse_config
from bot.notify import Credentials
from bot.runtime.server import ServerOptions
from bot.tryout.integrations import JiraStandIn, JiraUser, OpsgenieStandIn, PagerDutyStandIn
from tests.harness import CONFIG, Bot, running_bot
from tests.notify import described

ROUTING_KEY = "R0UTINGKEY0000000000000000000000"
WEBHOOK_SECRET = "whsec-test"
GENIE_KEY = "genie-key-1"
SMTP_USER, SMTP_PASSWORD = "sevbot", "s3cret"
JIRA_USER, JIRA_TOKEN = "sevbot@example.com", "jira-token"
PEOPLE = [JiraUser("acc-carol", "carol@example.com", "Carol"), JiraUser("acc-dave", "dave@example.com", "Dave")]


@dataclass
class Inbox:
    """What the SMTP server received, each mail as its recipient's client would read it."""

    mails: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    tls: list[bool] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        mail = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.mails.append(mail)
        self.tls.append(session.ssl is not None)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mails if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    inbox: Inbox
    port: int
    client_tls: ssl.SSLContext
    ca_pem: Path


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def mailbox(tls_ca: trustme.CA, tmp_path: Path) -> Iterator[Mailbox]:
    inbox = Inbox()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_tls)

    def login(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        if ok:
            inbox.logins.append(SMTP_USER)
        return AuthResult(success=ok, handled=False)

    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=login,
        auth_require_tls=True,
    )
    controller.start()
    client_tls = ssl.create_default_context()
    tls_ca.configure_trust(client_tls)
    ca_pem = tmp_path / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(ca_pem))
    try:
        yield Mailbox(inbox=inbox, port=port, client_tls=client_tls, ca_pem=ca_pem)
    finally:
        controller.stop()


@dataclass
class StandIns:
    pagerduty: PagerDutyStandIn
    opsgenie: OpsgenieStandIn
    jira: JiraStandIn

    def invalid(self) -> list[str]:
        return self.pagerduty.invalid + self.opsgenie.invalid + self.jira.invalid


@pytest.fixture
async def stand_ins() -> AsyncIterator[StandIns]:
    pd = PagerDutyStandIn(routing_key=ROUTING_KEY, check=described.pagerduty().check)
    og = OpsgenieStandIn(api_key=GENIE_KEY, check=described.opsgenie().check)
    jira = JiraStandIn(user=JIRA_USER, token=JIRA_TOKEN, people=PEOPLE, check=described.jira().check)
    for stand_in in (pd, og, jira):
        await stand_in.start()
    try:
        yield StandIns(pd, og, jira)
    finally:
        for stand_in in (pd, og, jira):
            await stand_in.stop()


def notify_config(
    stand_ins: StandIns, mailbox: Mailbox | None, *, pagers: tuple[str, ...] = ("pagerduty",)
) -> dict[str, Any]:
    """The runbook's notify table: SEV1 pages, posts in #critical-incidents and mails the ML team; SEV2 posts in
    #ml-incidents and mails the ML lead; SEV3 and SEV4 get a Jira ticket (the default with Jira set up)."""
    config = copy.deepcopy(CONFIG)
    integrations: dict[str, Any] = {
        "jira": {"url": stand_ins.jira.url, "project": "MLOPS", "user_env": "JIRA_USER", "token_env": "JIRA_TOKEN"}
    }
    if "pagerduty" in pagers:
        integrations["pagerduty"] = {"events_url": f"{stand_ins.pagerduty.url}/v2/enqueue"}
    if "opsgenie" in pagers:
        integrations["opsgenie"] = {"url": stand_ins.opsgenie.url}
    sev1: dict[str, Any] = {"channels": ["critical-incidents"]}
    sev2: dict[str, Any] = {"channels": ["ml-incidents"]}
    if mailbox is not None:
        integrations["email"] = {
            "smtp": f"smtp://127.0.0.1:{mailbox.port}",
            "from": "sevbot@example.com",
            "starttls": True,
            "username_env": "SMTP_USER",
            "password_env": "SMTP_PASSWORD",
        }
        sev1["email"] = ["ml-team@example.com"]
        sev2["email"] = ["ml-lead@example.com"]
    config["integrations"] = integrations
    config["severities"] = {"SEV1": sev1, "SEV2": sev2}
    return config


def credentials(**overrides: str | None) -> Credentials:
    given: dict[str, Any] = {
        "pagerduty_routing_key": ROUTING_KEY,
        "pagerduty_webhook_secret": WEBHOOK_SECRET,
        "opsgenie_api_key": GENIE_KEY,
        "smtp_username": SMTP_USER,
        "smtp_password": SMTP_PASSWORD,
        "jira_user": JIRA_USER,
        "jira_token": JIRA_TOKEN,
        **overrides,
    }
    secret = {"pagerduty_routing_key", "pagerduty_webhook_secret", "opsgenie_api_key", "smtp_password", "jira_token"}
    return Credentials(**{k: (SecretStr(v) if k in secret and v is not None else v) for k, v in given.items()})


def with_notify_channels(bot_emulator: Any) -> Any:
    everyone = list(bot_emulator.workspace.users)
    bot_emulator.workspace.add_channel("critical-incidents", members=everyone, creator="U0001")
    bot_emulator.workspace.add_channel("ml-incidents", members=everyone, creator="U0001")
    for user_id, name in (("U0003", "carol"), ("U0004", "dave")):
        bot_emulator.workspace.users[user_id].email = f"{name}@example.com"
    return bot_emulator


@contextlib.asynccontextmanager
async def bot_with(
    tmp_path: Path,
    stand_ins: StandIns,
    *,
    mailbox: Mailbox | None = None,
    clock: Any = None,
    pagers: tuple[str, ...] = ("pagerduty",),
    creds: Credentials | None = None,
    **overrides: Any,
) -> AsyncIterator[Bot]:
    from tests.harness import make_emulator

    config = {**notify_config(stand_ins, mailbox, pagers=pagers), **overrides}
    options = ServerOptions(
        poll_s=0.05, clock=clock, credentials=creds or credentials(), mail_tls=mailbox.client_tls if mailbox else None
    )
    async with running_bot(
        f"sqlite:///{tmp_path / 'b.db'}",
        config=parse_config(config),
        emulator=with_notify_channels(make_emulator()),
        options=options,
    ) as bot:
        yield bot


@pytest.fixture
async def notifying_bot(tmp_path: Path, stand_ins: StandIns, mailbox: Mailbox) -> AsyncIterator[Bot]:
    async with bot_with(tmp_path, stand_ins, mailbox=mailbox) as bot:
        yield bot
