"""Text from people and alerts never pings a channel and never breaks formatting."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot import mrkdwn

BROADCAST = re.compile(r"<!(channel|here|everyone|subteam)")


def test_escape_is_slacks_three_entities() -> None:
    assert mrkdwn.escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert mrkdwn.unescape(mrkdwn.escape("a<b>&c")) == "a<b>&c"


def test_command_text_keeps_mentions_and_links_but_not_broadcasts() -> None:
    text = (
        "ping <!channel> <!here|here> <!subteam^S0ONCALL|@ml-oncall> <@U123|bob> <#C1|ops> <https://x.io|dash> <evil>"
    )
    assert mrkdwn.from_command(text) == (
        "ping @channel @here @ml-oncall <@U123|bob> <#C1|ops> <https://x.io|dash> &lt;evil&gt;"
    )


@given(st.text())
def test_escaped_text_contains_no_markup(text: str) -> None:
    escaped = mrkdwn.escape(text)
    assert "<" not in escaped and ">" not in escaped
    assert mrkdwn.unescape(escaped) == text


@given(st.text(alphabet=st.sampled_from(list("<>!|@#&^ achnelrUS0123"))))
def test_command_text_never_broadcasts(text: str) -> None:
    assert not BROADCAST.search(mrkdwn.from_command(text))


def test_plain_for_people() -> None:
    assert (
        mrkdwn.plain("<@U1|bob> in <#C2|ops>: <http://a.io|dash> &amp; <http://b.io>")
        == "@bob in #ops: dash (http://a.io) & http://b.io"
    )
