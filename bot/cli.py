"""`sevbot serve | demo | check | db upgrade`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from pydantic import ValidationError

from bot.config import Config, ConfigError, load_config
from bot.settings import Settings

__all__ = ["main"]


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]).upper()
            print(f"environment: {field}: {err['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def _config(settings: Settings, *, required: bool) -> Config:
    try:
        return load_config(settings.sevbot_config, required=required)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"{exc.source}: {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def check() -> int:
    settings = _settings()
    config = _config(settings, required=True)
    problems = settings.problems(serving=False)
    for problem in problems:
        print(f"environment: {problem}", file=sys.stderr)
    if problems:
        return 2
    print(
        f"{settings.sevbot_config}: ok — {len(config.models)} model(s), severities "
        f"{', '.join(config.severities)}, prefix '{config.incident_channel_prefix}'"
    )
    for missing in settings.problems(serving=True):
        print(f"note for `sevbot serve`: {missing}")
    return 0


def serve() -> int:
    from aiohttp import web

    from bot.server import ServerOptions, create_web_app

    settings = _settings()
    problems = settings.problems(serving=True)
    for problem in problems:
        print(f"environment: {problem}", file=sys.stderr)
    if problems:
        return 2
    config = _config(settings, required=False)
    if not settings.sevbot_config.exists():
        logging.getLogger("bot").warning("%s not found: running with the default configuration", settings.sevbot_config)
    web.run_app(
        create_web_app(settings, config, ServerOptions(tick_s=settings.sevbot_tick_s)),
        host=settings.host,
        port=settings.port,
        shutdown_timeout=10,
        print=None,
    )
    return 0


def db_upgrade() -> int:
    from bot.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    print(f"database at head: {settings.database_url}")
    return 0


def demo(out: str | None = None) -> int:
    from pathlib import Path

    from bot.demo import run_demo

    return asyncio.run(run_demo(Path(out) if out else None))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sevbot", description="Incident response for ML models, from Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the bot (HTTP, or Socket Mode when SLACK_APP_TOKEN is set)")
    demo_parser = sub.add_parser("demo", help="play a scripted incident against a local Slack emulator")
    demo_parser.add_argument("--out", metavar="DIR", help="also leave the postmortem, every chart and the transcript")
    sub.add_parser("check", help="validate sevbot.yml and the environment")
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade"])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per reminder tick
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "demo":
        return demo(args.out)
    commands = {"serve": serve, "check": check, "db": db_upgrade}
    return commands[args.command]()
