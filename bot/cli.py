"""`sevbot serve | demo | sandbox | check | db upgrade`, and `sevbot --version`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from bot import __version__
from bot.config import Config, ConfigError, load_config
from bot.settings import Settings

__all__ = ["main"]

ENVIRONMENT = {
    "SLACK_BOT_TOKEN": "bot token (xoxb-…); required by serve",
    "SLACK_SIGNING_SECRET": "verifies each request on /slack/events; required in HTTP mode",
    "SLACK_APP_TOKEN": "app-level token (xapp-…): Socket Mode instead of HTTP",
    "SLACK_API_URL": "Web API base URL (default https://slack.com/api/)",
    "DATABASE_URL": "SQLAlchemy URL, sqlite:// or postgresql:// (default sqlite:///./sevbot.db)",
    "SEVBOT_CONFIG": "path of the YAML configuration (default ./sevbot.yml)",
    "SEVBOT_ALERT_TOKEN": "bearer token every /alerts/* request must carry (unset: every alert gets 401)",
    "HOST, PORT": "listen address (default 0.0.0.0:3000)",
    "SEVBOT_TICK_S": "how often due reminders and escalations are looked for (default 10 s)",
    "SEVBOT_OUTBOX_CONCURRENCY": "Slack work of different incidents done at once (default 16)",
}


def _environment(*names: str) -> str:
    rows = [f"  {name:<27} {ENVIRONMENT[name]}" for name in names]
    return "environment:\n" + "\n".join(rows)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]).upper()
            print(f"environment: {field}: {err['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def _config(path: Path, *, required: bool) -> tuple[Config | None, list[str]]:
    """The configuration, or what is wrong with it (each problem prefixed with the file), its drill scenarios
    included: a wrong scenario in `drills_dir` stops `sevbot serve` as a wrong setting does."""
    from bot.drills import DrillError, scenarios

    try:
        config = load_config(path, required=required)
    except ConfigError as exc:
        return None, [f"{exc.source}: {problem}" for problem in exc.problems]
    try:
        scenarios(config.drills_dir)
    except DrillError as exc:
        return None, [f"{exc.source}: {problem}" for problem in exc.problems]
    return config, []


def _report(problems: list[str]) -> bool:
    """Everything wrong at once (the environment and the configuration), on stderr; True if anything was."""
    for problem in problems:
        print(problem, file=sys.stderr)
    return bool(problems)


def init(folder: Path) -> int:
    """A commented sevbot.yml and the Slack app's manifest.yml, written into `folder`; nothing is overwritten."""
    from bot.resources import starter

    targets = {folder / "sevbot.yml": starter("sevbot.example.yml"), folder / "manifest.yml": starter("manifest.yml")}
    there = [str(path) for path in targets if path.exists()]
    if there:
        them = "them" if len(there) > 1 else "it"
        print(f"not overwriting {' and '.join(there)}: move {them} away first; nothing was written", file=sys.stderr)
        return 1
    for path, source in targets.items():
        path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        print(f"wrote {path}")
    print("next: create the Slack app from manifest.yml (api.slack.com/apps → Create New App → From a manifest),")
    print("edit sevbot.yml (channels, models), set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, then:")
    print("  sevbot check --online   # reaches Slack, the serving platforms and the metrics stores")
    print("  sevbot serve")
    return 0


def check(config_path: str | None, online: bool) -> int:
    from bot.runtime.preflight import reach

    settings = _settings()
    path = Path(config_path) if config_path else settings.sevbot_config
    config, problems = _config(path, required=True)
    problems += [f"environment: {problem}" for problem in settings.problems(serving=False)]
    if _report(problems) or config is None:
        return 2
    models = len(config.models)
    print(
        f"{path}: ok — {models} model{'' if models == 1 else 's'}, severities "
        f"{', '.join(config.severities)}, prefix '{config.incident_channel_prefix}'"
    )
    from bot.drills import scenarios

    drills = scenarios(config.drills_dir)  # read and checked by _config
    print(f"drills: {len(drills)} scenarios ({', '.join(drills)})")
    for missing in settings.problems(serving=True):
        print(f"note for `sevbot serve`: {missing}")
    if settings.sevbot_alert_token is None:
        print("warning: SEVBOT_ALERT_TOKEN is unset: every request to /alerts/* will be refused with 401")
    from bot.notify.credentials import Credentials

    for unset in Credentials.problems(config.integrations, os.environ):
        print(f"warning: {unset}: that integration's steps will be set aside and said in the incident channel")
    if not online:
        return 0
    results = asyncio.run(reach(settings, config))
    for result in results:
        print(f"{'reached' if result.ok else 'FAILED '}  {result.what}: {result.detail}")
    return 0 if all(r.ok for r in results) else 1


def serve() -> int:
    from aiohttp import web

    from bot.runtime.server import ServerOptions, create_web_app, settle_heap
    from bot.runtime.telemetry import AccessLog

    settings = _settings()
    config, problems = _config(settings.sevbot_config, required=False)
    problems = [f"environment: {problem}" for problem in settings.problems(serving=True)] + problems
    if _report(problems) or config is None:
        return 2
    if not settings.sevbot_config.exists():
        logging.getLogger("bot").warning("%s not found: running with the default configuration", settings.sevbot_config)
    app = create_web_app(settings, config, ServerOptions(tick_s=settings.sevbot_tick_s))
    app.on_startup.append(settle_heap)  # after the lifecycle's start-up
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        shutdown_timeout=10,
        print=None,
        access_log_class=AccessLog,
    )
    return 0


def db_upgrade() -> int:
    from bot.runtime.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print(f"database at head: {settings.database_url}")
    return 0


def demo(out: str | None = None) -> int:
    from bot.tryout.demo import run_demo

    return asyncio.run(run_demo(Path(out) if out else None))


def sandbox(host: str, port: int) -> int:
    from bot.tryout.sandbox_web import run_sandbox

    return asyncio.run(run_sandbox(host=host, port=port))


def _parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="sevbot",
        description="Incident response for machine-learning models in production, run from Slack.",
        epilog="Each command's --help says what it does, its options and the environment it reads.",
    )
    parser.add_argument("--version", action="version", version=f"sevbot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "serve",
        help="run the bot (HTTP, or Socket Mode when SLACK_APP_TOKEN is set)",
        description="Run the bot: one aiohttp server on $HOST:$PORT with /slack/events, /alerts/alertmanager, "
        "/alerts/grafana, /alerts/generic, /healthz, /readyz and /metrics. Socket Mode instead of /slack/events "
        "when SLACK_APP_TOKEN is set (alerts still come over HTTP). Applies pending migrations at start; SIGTERM "
        "stops it gracefully.",
        epilog=_environment(*ENVIRONMENT),
        formatter_class=raw,
    )
    sub.add_parser(
        "init",
        help="write a commented sevbot.yml and the Slack app's manifest.yml here",
        description="Write a commented sevbot.yml (every setting, with what it does) and manifest.yml (the Slack "
        "app: create it from this manifest) into the current folder. Refuses to overwrite either; writes nothing "
        "then.",
        formatter_class=raw,
    )
    demo_parser = sub.add_parser(
        "demo",
        help="play a scripted incident against a local Slack emulator",
        description="Play one night end to end with no Slack account and nothing to install: an Alertmanager "
        "webhook, triage, the incident channel, a rollback through the simulated model service, verification with "
        "charts, hypotheses, the update cadence, resolution and the postmortem; printed as people read it. Uses a "
        "temporary SQLite database and reads no environment.",
        formatter_class=raw,
    )
    demo_parser.add_argument("--out", metavar="DIR", help="also leave the postmortem, every chart and the transcript")
    box = sub.add_parser(
        "sandbox",
        help="try sevbot by hand in the browser, without Slack",
        description="The bot, the Slack emulator, SQLite and the simulated model service in one process, with a web "
        "page at http://HOST:PORT/ that shows the workspace as Slack would: channels, messages, threads, pins, "
        "topics, private replies, buttons, forms and charts, live. Type /incident …, click, fill forms, and fire "
        "the demo's alerts from a menu. Reads no environment; its database lives in a temporary folder.",
        formatter_class=raw,
    )
    box.add_argument("--port", type=int, default=8000, help="port of the page (default 8000)")
    box.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    checker = sub.add_parser(
        "check",
        help="validate sevbot.yml and the environment",
        description="Validate the configuration file and the environment; exits 2 naming the bad field. Unknown "
        "keys are refused with a 'did you mean'. With --online, also try Slack (auth.test), each model's serving "
        "backend and each metrics store, and say what was reached (exit 1 if something was not).",
        epilog=_environment(
            "SLACK_BOT_TOKEN",
            "SLACK_SIGNING_SECRET",
            "SLACK_APP_TOKEN",
            "SLACK_API_URL",
            "DATABASE_URL",
            "SEVBOT_CONFIG",
            "SEVBOT_ALERT_TOKEN",
        ),
        formatter_class=raw,
    )
    checker.add_argument("--config", metavar="PATH", help="the configuration file (default: $SEVBOT_CONFIG)")
    checker.add_argument("--online", action="store_true", help="also reach Slack, the serving backends and metrics")
    db = sub.add_parser(
        "db",
        help="database migrations",
        description="Apply the Alembic migrations to the database at DATABASE_URL (serve does this at start too).",
        epilog=_environment("DATABASE_URL"),
        formatter_class=raw,
    )
    db.add_argument("action", choices=["upgrade"], help="upgrade: to the newest schema")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per reminder tick
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "demo":
        return demo(args.out)
    if args.command == "check":
        return check(args.config, args.online)
    if args.command == "init":
        return init(Path.cwd())
    if args.command == "sandbox":
        return sandbox(args.host, args.port)
    commands = {"serve": serve, "db": db_upgrade}
    return commands[args.command]()
