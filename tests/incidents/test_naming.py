"""Incident channel names follow Slack's rules whatever the title."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.incidents.naming import channel_name, slugify

DAY = datetime(2026, 11, 22, 3, 12, tzinfo=UTC)


def test_name_from_title() -> None:
    assert (
        channel_name(prefix="inc", day=DAY, seq=3, title="mAP drop on Cams 23–40!")
        == "inc-20261122-3-map-drop-on-cams-23-40"
    )
    assert slugify("Caméra <@U1|bob> &amp; <!channel> lights") == "camera-lights"
    assert channel_name(prefix="inc", day=DAY, seq=1, title="🔥🔥") == "inc-20261122-1"


@given(st.text(), st.integers(1, 10_000), st.sampled_from(["inc", "ml-inc", "x"]))
def test_any_title_gives_a_valid_name(title: str, seq: int, prefix: str) -> None:
    name = channel_name(prefix=prefix, day=DAY, seq=seq, title=title)
    assert len(name) <= 80
    assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name)
    assert name.startswith(f"{prefix}-20261122-{seq}")
    assert not name.endswith("-")


def test_long_titles_are_cut_at_a_word() -> None:
    name = channel_name(prefix="inc", day=DAY, seq=12, title="detector " * 20)
    assert len(name) <= 80 and name.endswith("-detector")
