"""The notify table's configuration, PagerDuty's signature check, and the webhook endpoint under malformed input."""

from __future__ import annotations

import hashlib
import hmac
import json
import random

import pytest

from bot.config import ConfigError, parse_config
from bot.notify.http import signature_ok
from bot.notify.jira import adf
from tests.harness import Bot

JIRA = {"url": "https://example.atlassian.net", "project": "MLOPS"}


def test_the_runbooks_table_is_the_default_where_its_integration_is_set_up() -> None:
    plain = parse_config({})
    assert all(not (p.page or p.ticket or p.channels or p.email) for p in plain.severities.values())
    both = parse_config({"integrations": {"pagerduty": {}, "opsgenie": {}, "jira": JIRA}})
    assert both.policy("SEV1").page == ["pagerduty", "opsgenie"] and both.policy("SEV2").page == []
    assert [both.policy(s).ticket for s in ("SEV1", "SEV2", "SEV3", "SEV4")] == [None, None, "jira", "jira"]
    mine = parse_config(
        {"integrations": {"pagerduty": {}}, "severities": {"SEV1": {"page": []}, "SEV2": {"page": ["pagerduty"]}}}
    )
    assert mine.policy("SEV1").page == [] and mine.policy("SEV2").page == ["pagerduty"]


def test_a_severity_naming_what_is_not_set_up_is_refused_all_at_once() -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config(
            {
                "severities": {
                    "SEV1": {"page": ["opsgenie"], "email": ["ml-team@example.com"]},
                    "SEV3": {"ticket": "jira"},
                }
            }
        )
    said = str(refused.value)
    assert "severities.SEV1.page: opsgenie is not set up under integrations.opsgenie" in said
    assert "severities.SEV1.email: mail needs integrations.email" in said
    assert "severities.SEV3.ticket: jira is not set up under integrations.jira" in said


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"severities": {"SEV1": {"page": ["pagerdutty"]}}}, "did you mean `pagerduty`"),
        ({"severities": {"SEV2": {"email": ["not-an-address"]}}}, "'not-an-address' is not an email address"),
        ({"severities": {"SEV2": {"channels": ["ML Incidents"]}}}, "is not a channel name"),
        ({"integrations": {"email": {"smtp": "mail.example.com", "from": "a@b.co"}}}, "write it like smtp://"),
        (
            {"integrations": {"jira": {"url": "https://x.atlassian.net", "project": "mlops"}}},
            "integrations.jira.project",
        ),
        ({"integrations": {"pagerduty": {"routing_key": "abc"}}}, "unknown setting (did you mean `routing_key_env`?)"),
    ],
)
def test_mistakes_name_the_setting(given: dict[str, object], said: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config(given)
    assert said in str(refused.value)


def test_pagerdutys_signature_on_the_raw_body_any_of_several() -> None:
    body = b'{"event": {}}'
    good = "v1=" + hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert signature_ok(body, good, "secret")
    assert signature_ok(body, f"v1={'0' * 64},{good}", "secret")  # during a secret's rotation
    assert not signature_ok(body, good, "other")
    assert not signature_ok(body + b" ", good, "secret")
    assert not signature_ok(body, good.removeprefix("v1="), "secret")
    assert not signature_ok(body, "", "secret")


def test_plain_text_as_an_atlassian_document() -> None:
    doc = adf("Status: investigating\nModel: cv-detector\n\nWhy SEV3:\n• drift", link=("Open", "https://x.example/c"))
    assert doc["type"] == "doc" and doc["version"] == 1
    first, second, link = doc["content"]
    assert [n["type"] for n in first["content"]] == ["text", "hardBreak", "text"]
    assert second["content"][-1] == {"type": "text", "text": "• drift"}
    assert link["content"][0]["marks"] == [{"type": "link", "attrs": {"href": "https://x.example/c"}}]
    assert adf("")["content"] == [{"type": "paragraph", "content": []}]


SHAPES = [
    lambda r: {"event": {"event_type": r.choice(EVENTS), "id": r.choice([None, 1, "e"]), "data": _data(r)}},
    lambda r: {"event": {"event_type": r.choice(EVENTS), "agent": r.choice([None, 1, [], {"summary": 5}]), "data": {}}},
    lambda r: {"event": r.choice([None, 1, [], "x", {"event_type": None}])},
    lambda r: [r.random() for _ in range(r.randint(0, 5))],
    lambda r: r.choice([None, True, "x", 10**40]),
]
EVENTS = ["incident.acknowledged", "incident.resolved", "incident.reassigned", "incident.annotated", "", 7]


def _data(r: random.Random) -> object:
    return r.choice(
        [
            None,
            [],
            "x",
            {"incident_key": r.choice([None, 1, "", "k" * 300, "sevbot-INC-1-x"])},
            {"incident_key": "k", "assignees": r.choice([None, "x", [1, None, {"summary": []}]]), "html_url": 3},
        ]
    )


async def test_no_webhook_body_gets_a_5xx(notifying_bot: Bot) -> None:
    from tests.notify.conftest import WEBHOOK_SECRET

    r = random.Random(23)
    statuses: dict[int, int] = {}
    for _ in range(300):
        shape = r.choice(SHAPES)(r)
        body = (
            json.dumps(shape).encode()
            if r.random() < 0.85
            else bytes(r.randrange(256) for _ in range(r.randint(0, 64)))
        )
        signed = r.random() < 0.8
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-PagerDuty-Signature"] = (
                "v1=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
            )
        async with notifying_bot.driver.http.post(
            f"{notifying_bot.url}/paging/pagerduty", data=body, headers=headers
        ) as response:
            statuses[response.status] = statuses.get(response.status, 0) + 1
            assert response.status < 500, (response.status, await response.text(), body[:200])
            assert signed or response.status == 401
    assert {200, 400, 401} <= set(statuses), statuses


def test_the_mails_html_escapes_what_people_and_alerts_wrote() -> None:
    from bot.texts import Texts

    html = Texts().render_html(
        "notify_mail.html.j2",
        people={},
        subject="[SEV1] <!channel> & friends",
        body="Title: <script>alert(1)</script>\n\nSlack: https://x.example/?a=1&b=2",
        ref="INC-1",
    )
    assert "&lt;!channel&gt; &amp; friends" in html and "<script>" not in html
    assert '<a href="https://x.example/?a=1&amp;b=2">Slack</a>' in html
