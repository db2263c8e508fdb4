"""mrkdwn as the terminal demo prints it: read as Slack shows it, not as it is written."""

from __future__ import annotations

import io

from bot.tryout.terminal import plain, show


def test_styles_emoji_and_links_are_read_not_written() -> None:
    said = ":rotating_light: *SEV2 · INC-1* on _cams_ 23–40 `a*b*` <https://wiki.example/rb|the runbook> ~old~"
    assert plain(said) == "🚨 SEV2 · INC-1 on cams 23–40 a*b* the runbook (https://wiki.example/rb) old"
    assert plain(":large_green_circle: 0 firing; at 03:05:00 [x] cam_23_b") == "🟢 0 firing; at 03:05:00 [x] cam_23_b"
    assert plain("*unclosed bold stays as typed") == "*unclosed bold stays as typed"


def test_a_terminal_gets_styles_and_a_file_gets_plain_text() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    piped, tty = io.StringIO(), Terminal()
    show("*bold* and :x:", file=piped)
    show("*bold* and :x:", file=tty)
    assert piped.getvalue() == "bold and ❌\n"
    assert "\x1b[1mbold\x1b[0m" in tty.getvalue() and "❌" in tty.getvalue()
