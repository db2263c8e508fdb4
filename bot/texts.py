"""Every sentence a person reads comes from a Jinja2 template under `templates/` (a team may override any of
them with its own folder, `templates_dir`). Output is mrkdwn-escaped by default: alert labels and titles
render literally; only values the filters below mark safe (mentions, sanitised user text) pass through."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from bot import mrkdwn, resources
from bot.clock import utc
from bot.errors import UserError
from bot.models import SYSTEM_ACTOR

__all__ = ["TEMPLATES_DIR", "Texts", "count_of", "format_duration", "format_near", "format_roughly", "format_time"]


def count_of(n: int, one: str, many: str | None = None) -> str:
    """`1 root-cause note`, `2 root-cause notes`: a number with its noun, never `note(s)`."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


TEMPLATES_DIR = resources.folder("templates")


def format_time(value: datetime | str | None, *, date: bool = False) -> str:
    """`14:30 UTC`, or `2026-11-22 14:30 UTC` with the date."""
    if value is None:
        return "—"
    moment = utc(datetime.fromisoformat(value) if isinstance(value, str) else value)
    return moment.strftime("%Y-%m-%d %H:%M UTC" if date else "%H:%M UTC")


def format_duration(value: timedelta | float | int) -> str:
    """`45 min`, `1 h 5 min`, `2 d 3 h`: elapsed time as people say it."""
    seconds = int(value.total_seconds() if isinstance(value, timedelta) else value)
    if seconds < 60:
        return f"{max(seconds, 0)} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def format_roughly(value: timedelta | float | int) -> str:
    """`3 weeks`, `5 days`, `4 h`: a long span as people round it (`format_duration` under a day)."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    days = seconds / 86400
    if days >= 60:
        return count_of(round(days / 30), "month")
    if days >= 14:
        return count_of(round(days / 7), "week")
    if days >= 1:
        return count_of(round(days), "day")
    return format_duration(seconds)


def format_near(value: float | None, bound: float | str | None = None) -> str:
    """A metric value at the precision that matters next to its SLO: one decimal more than the bound is written with
    (0.612 beside 0.55, 260.4 beside 120), at least two significant digits; `bound` may be "≥ 0.55"."""
    if value is None:
        return "—"
    text = str(bound).split()[-1] if bound is not None and str(bound).split() else ""
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    decimals = decimals + 1 if text else 3
    magnitude = abs(float(value))
    while decimals < 6 and 0 < magnitude < 10 ** (1 - decimals):
        decimals += 1  # two significant digits at least (0.0042, not 0.0)
    return f"{float(value):.{decimals}f}"


def _finalize(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    return mrkdwn.escape(str(value))


def _user(user_id: str | None) -> Markup:
    """A person (U…/W…), or a user group (S…), which Slack mentions as `<!subteam^S…>`; an app or an alert source
    (`app:<name>`, `alert:<source>`) by its name, as text that mentions nobody."""
    if not user_id:
        return Markup("nobody yet")
    kind, _, name = user_id.partition(":")
    if name and kind in ("app", "alert"):
        return Markup(mrkdwn.escape(name))
    if user_id[:1] not in ("U", "W", "S") or not user_id.isalnum():  # sevbot itself (`sevbot`), nobody to mention
        return Markup(mrkdwn.escape(user_id))
    return Markup(f"<!subteam^{user_id}>") if user_id.startswith("S") else Markup(f"<@{user_id}>")


def _users(user_ids: Iterable[str] | None) -> Markup:
    ids = list(user_ids or [])
    return Markup(", ".join(str(_user(u)) for u in ids)) if ids else Markup("nobody yet")


def _channel(channel_id: str | None) -> Markup:
    return Markup(f"<#{channel_id}>") if channel_id else Markup("(channel being created)")


def _usertext(text: str | None) -> Markup:
    return Markup(mrkdwn.from_command(text or ""))


def _link(url: str | None, label: str) -> Markup:
    if not url:
        return Markup("")
    return Markup(f"<{mrkdwn.escape(url)}|{mrkdwn.escape(label)}>")


_NOTIFIERS = {"pagerduty": "PagerDuty", "opsgenie": "Opsgenie", "email": "mail", "jira": "Jira", "slack": "Slack"}


class Texts:
    """One Jinja2 environment, built at start."""

    def __init__(self, *, overrides: Path | None = None) -> None:
        loaders = [FileSystemLoader(str(overrides))] if overrides else []
        self.env = Environment(
            loader=ChoiceLoader([*loaders, FileSystemLoader(str(TEMPLATES_DIR))]),
            undefined=StrictUndefined,
            finalize=_finalize,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(
            user=_user,
            users=_users,
            channel=_channel,
            usertext=_usertext,
            link=_link,
            time=format_time,
            datetime=lambda v: format_time(v, date=True),
            duration=format_duration,
            roughly=format_roughly,
            fromiso=lambda v: utc(datetime.fromisoformat(v)) if isinstance(v, str) else v,
            near=format_near,
            plain=lambda v: Markup(mrkdwn.plain(str(v))),
            count_of=count_of,
            notifier=lambda v: _NOTIFIERS.get(str(v), str(v)),
        )
        self.env.globals["say"] = self._say  # a problem stored as data ({"problem": code, …values}), in words
        self._plain = {table: self._plain_env(table=table) for table in (True, False)}
        self._html = self._plain[False].overlay(autoescape=True, cache_size=50)

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context).strip()

    def wrap(self, name: str, said: str, **context: Any) -> str:
        """`said`, which another template rendered (mrkdwn already), inside `name` (the drill's mark, say): passed
        through as it is, never escaped a second time."""
        return self.render(name, said=Markup(said), **context)

    def _say(self, problem: dict[str, Any]) -> Markup:
        return Markup(self.render("user_error.md.j2", **problem))

    def problem(self, error: UserError) -> str:
        """What a person is told of an error (`user_error.md.j2`), without the usage line."""
        return self.render("user_error.md.j2", problem=error.problem, **error.values)

    def error(self, error: UserError, *, usage: str | None = None) -> str:
        """The private answer to an error: the problem, then the usage when there is one."""
        return self.render("error.md.j2", problem=error.problem, usage=usage, **error.values)

    def render_markdown(self, name: str, *, names: dict[str, str], **context: Any) -> str:
        """A Markdown document (not Slack mrkdwn): nothing escaped, people by name, stored text made plain."""
        template = self._plain[True].get_template(name)
        return template.render(**context, _names=names).strip() + "\n"

    def render_plain(self, name: str, *, names: dict[str, str], **context: Any) -> str:
        """Plain text (a form's draft): people by name, stored text made plain, nothing escaped."""
        return self._plain[False].get_template(name).render(**context, _names=names).strip()

    def render_text(self, name: str, *, people: dict[str, str], **context: Any) -> str:
        """Plain text for outside Slack (a page, a mail, a ticket): people by name, nothing escaped; the context may
        carry its own `names` (the SLOs' display names)."""
        return self._plain[False].get_template(name).render(**context, _names=people).strip()

    def render_html(self, name: str, *, people: dict[str, str], **context: Any) -> str:
        """HTML (a mail's other half): like `render_text`, every value escaped."""
        return self._html.get_template(name).render(**context, _names=people).strip()

    def _plain_env(self, *, table: bool) -> Environment:
        """Built once (templates compile once); the people's names come with each render (`_names`)."""
        env = self.env.overlay(finalize=lambda v: "" if v is None else str(v), cache_size=100)

        @pass_context
        def text(context: Context, value: str | None) -> str:
            plain_text = mrkdwn.plain(value or "")
            for user_id, name in context.get("_names", {}).items():
                plain_text = plain_text.replace("@" + user_id, "@" + name)
            # one line, and (in a table) a `|` cannot end a cell early
            one_line = " ".join(plain_text.split())
            return one_line.replace("|", "\\|") if table else one_line

        @pass_context
        def person(context: Context, user_id: str | None) -> str:
            if not user_id:
                return "nobody"
            kind, _, name = user_id.partition(":")
            if name and kind in ("app", "alert"):  # an app's message, an alert source (alert:alertmanager)
                return str(text(context, mrkdwn.from_command(name)))  # `<!channel>` in a name reads as @channel
            return SYSTEM_ACTOR if user_id == SYSTEM_ACTOR else "@" + context.get("_names", {}).get(user_id, user_id)

        @pass_context
        def people(context: Context, ids: Iterable[str] | None) -> str:
            return ", ".join(person(context, u) for u in ids or []) or "nobody"

        env.filters = {**self.env.filters, "person": person, "people": people, "text": text}  # not the parent's dict
        return env
