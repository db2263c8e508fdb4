"""Templates escape by default; cards and forms stay inside Block Kit's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import parse_config
from bot.incidents import IncidentSnapshot
from bot.models import Incident, Role
from bot.slack.blocks import as_dicts, incident_card, text_blocks
from bot.slack.forms import declare_modal, resolve_modal, update_modal
from bot.texts import Texts, format_duration
from bot.tryout.emulator.limits import block_errors, view_errors
from tests.harness import CONFIG

CONFIGURED = parse_config(CONFIG)
NOW = datetime(2026, 11, 22, 3, 12, tzinfo=UTC)


def _snap(**fields: object) -> IncidentSnapshot:
    values: dict[str, object] = {
        "id": 7,
        "severity": "SEV2",
        "title": "mAP down",
        "declared_by": "U0001",
        "declared_at": NOW,
        "acknowledged_at": NOW,
        "model": "cv-detector",
        "next_update_at": NOW + timedelta(minutes=30),
    }
    values.update(fields)
    return IncidentSnapshot(incident=Incident(**values), roles={Role.COMMANDER: ["U0001"], Role.ML_OWNER: ["U0003"]})


def test_durations_read_like_people_say_them() -> None:
    assert [format_duration(s) for s in (5, 59, 60, 3600, 3660, 90000)] == [
        "5 s",
        "59 s",
        "1 min",
        "1 h",
        "1 h 1 min",
        "1 d 1 h",
    ]


def test_values_are_escaped_unless_marked_safe(tmp_path: Path) -> None:
    (tmp_path / "probe.md.j2").write_text("{{ raw }} | {{ who | user }} | {{ said | usertext }}")
    texts = Texts(overrides=tmp_path)
    out = texts.render("probe.md.j2", raw="<!channel> & co", who="U0002", said="hi <!here> <@U0003|c>")
    assert out == "&lt;!channel&gt; &amp; co | <@U0002> | hi @here <@U0003|c>"


def test_a_team_folder_overrides_a_template(tmp_path: Path) -> None:
    (tmp_path / "topic.txt.j2").write_text("{{ snap.incident.severity }} — ours")
    assert Texts(overrides=tmp_path).render("topic.txt.j2", snap=_snap()) == "SEV2 — ours"
    assert Texts().render("topic.txt.j2", snap=_snap()) == "SEV2 · investigating · IC <@U0001> · next update 03:42 UTC"


def test_card_within_limits_with_long_fields() -> None:
    long = "x" * 2900
    snap = _snap(title="t" * 300, description=long, impact="i" * 1000, scope="s" * 1000, mitigation="m" * 1000)
    blocks = as_dicts(incident_card(snap, texts=Texts(), config=CONFIGURED))
    assert block_errors(blocks) == []
    assert blocks[-1]["type"] == "actions"
    assert [e["action_id"] for e in blocks[-1]["elements"]] == [
        "incident_take_command",
        "incident_post_update",
        "incident_resolve",
    ]


@settings(max_examples=50)
@given(st.text(min_size=0, max_size=20_000))
def test_text_blocks_split_any_text_within_limits_and_lose_nothing(text: str) -> None:
    blocks = as_dicts(text_blocks(text))
    assert block_errors(blocks) == []
    joined = "".join(b["text"]["text"] for b in blocks)
    assert "".join(joined.split()) == "".join(text.split())  # only whitespace at chunk edges may go


def test_forms_within_limits() -> None:
    snap = _snap(status="investigating")
    for view in (declare_modal(CONFIGURED, origin_channel="C1"), update_modal(snap), resolve_modal(snap)):
        assert view_errors(view.to_dict()) == []


def test_limits_catch_what_slack_refuses() -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    assert block_errors([section]) == ["[json-pointer:/blocks/0]/text: must be less than 3001 characters"]
    assert block_errors([{"type": "divider"}] * 51) == ["no more than 50 items allowed [json-pointer:/blocks]"]
    buttons = {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": f"b{i}", "text": {"type": "plain_text", "text": "b"}} for i in range(26)
        ],
    }
    assert "between 1 and 25 elements" in block_errors([buttons])[0]
    assert (
        "title must be less than 25 characters"
        in view_errors({"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}})[0]
    )


def test_the_emulator_refuses_what_slack_sdks_block_kit_models_refuse() -> None:
    assert block_errors([{"type": "gallery"}]) == ["[json-pointer:/blocks/0]: unknown block type 'gallery'"]
    long_alt = {"type": "image", "image_url": "https://example.com/a.png", "alt_text": "x" * 2001}
    assert "alt_text attribute cannot exceed 2000 characters" in block_errors([long_alt])[0]
    divider = {"type": "divider"}
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Declare"}, "blocks": [divider]}
    modal["submit"] = {"type": "plain_text", "text": "x" * 25}
    assert "submit cannot exceed 24 characters" in view_errors(modal)[0]
