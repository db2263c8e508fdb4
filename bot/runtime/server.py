"""The aiohttp server: `/slack/events`, `/healthz`, `/readyz`, `/metrics`; resources live in a cleanup_ctx."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot import consequences, serving
from bot.alerts.http import add_routes as add_alert_routes
from bot.alerts.intake import Intake
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.containment.jobs import ContainmentJobs
from bot.deploys.http import add_routes as add_deploy_routes
from bot.drills.platform import Platform
from bot.drills.player import Player
from bot.guardrails import Watch
from bot.home import Homes
from bot.incidents.cadence import Cadence
from bot.insights.digest import Digests
from bot.memory import Recall
from bot.metrics import source_for
from bot.models import OutboxMessage
from bot.notify import Credentials
from bot.notify.http import add_routes as add_notify_routes
from bot.notify.send import Notifier
from bot.runtime.app import build_app
from bot.runtime.db import PRIORITY, Database, Priority
from bot.runtime.dispatcher import Dispatcher
from bot.runtime.follow_ups import FollowUps
from bot.runtime.migrate import upgrade_async
from bot.runtime.outbox import MISSED, OutboxKind
from bot.runtime.services import MAX_BODY, SERVICES, Services
from bot.runtime.telemetry import Metrics
from bot.settings import Settings
from bot.slack import deliveries, inbound, labels
from bot.slack.client import outbox_client, web_client
from bot.slack.directory import SlackDirectory
from bot.slack.people import SlackPeople
from bot.slack.publisher import Publisher
from bot.texts import Texts

__all__ = ["BOLT", "SERVICES", "ServerOptions", "create_web_app", "settle_heap"]

log = logging.getLogger(__name__)

BOLT = web.AppKey("bolt", AsyncApp)


@dataclass(frozen=True, kw_only=True)
class ServerOptions:
    clock: Clock | None = None
    migrate: bool = True
    dispatch: bool = True  # run the outbox worker (tests may drive it by hand)
    poll_s: float = 1.0
    tick_s: float = 10.0  # how often reminders and escalation are looked at (0: never, tests tick by hand)
    credentials: Credentials | None = None  # the integrations' secrets; by default from the environment
    mail_tls: ssl.SSLContext | None = None  # trust for the SMTP server's certificate; by default the system's


def create_web_app(settings: Settings, config: Config, options: ServerOptions | None = None) -> web.Application:
    opts = options or ServerOptions()
    app = web.Application(client_max_size=MAX_BODY)
    app.cleanup_ctx.append(_lifecycle(settings, config, opts))
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    add_alert_routes(app)
    add_deploy_routes(app)
    add_notify_routes(app)
    return app


def _lifecycle(settings: Settings, config: Config, opts: ServerOptions):  # type: ignore[no-untyped-def]
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        consequences.install()  # what each change to an incident sets off (bot.consequences lists it)
        if opts.migrate:
            await upgrade_async(settings.database_url)
        db = Database(url=settings.async_database_url)
        http = aiohttp.ClientSession()
        clock = opts.clock or SystemClock()
        client = web_client(settings, session=http)
        texts = Texts(overrides=config.templates_dir)
        labels.use_overrides(config.templates_dir)
        publisher = Publisher(
            client=outbox_client(settings, session=http), db=db, config=config, texts=texts, clock=clock
        )
        metrics = Metrics()
        platform = Platform(db=db, clock=clock, drills_dir=config.drills_dir)  # a drill's model: its own service
        backend_for = platform.backends(serving.backend_for)
        jobs = ContainmentJobs(
            db=db, config=config, clock=clock, backend_for=backend_for, sources=platform.sources(source_for)
        )
        credentials = opts.credentials or Credentials.from_env(config.integrations, os.environ)
        notifier = Notifier(
            db=db,
            config=config,
            texts=texts,
            clock=clock,
            http=http,
            credentials=credentials,
            people=SlackPeople(publisher.poster),
            tls_context=opts.mail_tls,
        )
        recall = Recall(db=db, clock=clock)
        dispatcher = Dispatcher(
            db=db,
            routes={
                **jobs.routes(),
                **publisher.routes(),
                **notifier.routes(),
                **Homes(db=db, clock=clock).routes(),
                **recall.routes(),
            },
            clock=clock,
            poll_s=opts.poll_s,
            concurrency=settings.sevbot_outbox_concurrency,
            on_set_aside=_set_aside(publisher, notifier, metrics),
        )
        directory = SlackDirectory(client=client)
        services = Services(
            settings=settings,
            config=config,
            db=db,
            clock=clock,
            texts=texts,
            client=client,
            publisher=publisher,
            dispatcher=dispatcher,
            intake=Intake(db=db, config=config, clock=clock, metrics=metrics),
            cadence=Cadence(db=db, config=config, clock=clock),
            metrics=metrics,
            directory=directory,
            follow_ups=FollowUps(),
            guardrails=Watch(db=db, config=config, clock=clock, backend_for=backend_for),
            credentials=credentials,
            drills=Player(db=db, config=config, clock=clock),
            digests=Digests(db=db, config=config, clock=clock),
        )
        app[SERVICES] = services
        app[BOLT] = build_app(services)
        if db.is_sqlite and (released := await dispatcher.release_leases()):
            log.info("outbox: %d row(s) in flight when sevbot last stopped are taken up again", released)
        worker = asyncio.create_task(dispatcher.run_forever(), name="outbox") if opts.dispatch else None
        scheduler = AsyncIOScheduler(timezone="UTC")
        ticker = _Ticker(services)
        if opts.tick_s:  # reminders and escalation: derived from the database at each tick, so restarts lose none
            scheduler.add_job(
                ticker.tick,
                "interval",
                seconds=opts.tick_s,
                next_run_time=datetime.now(UTC),
                max_instances=1,
                coalesce=True,
            )
            scheduler.start()
        socket_mode = await _start_socket_mode(app[BOLT], settings)
        log.info("sevbot ready (%s mode)", "Socket" if socket_mode else "HTTP")
        yield
        if socket_mode is not None:
            await socket_mode.close_async()
        if scheduler.running:
            scheduler.shutdown(wait=False)
            await ticker.finish()
        await services.intake.close()
        await services.follow_ups.finish()
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        await http.close()
        await db.dispose()

    return lifecycle


async def settle_heap(app: web.Application) -> None:
    """For `sevbot serve`, once started: what start-up built (modules, classes, the app) lives as long as the process,
    so it is moved out of the collector's sight. A full collection then no longer walks ~190,000 objects (90-100 ms
    with the loop stopped, which was the slowest acks' tail). Not done where apps come and go (tests, the demo)."""
    gc.collect()
    gc.freeze()


def _set_aside(publisher: Publisher, notifier: Notifier, metrics: Metrics):  # type: ignore[no-untyped-def]
    publisher.count_refused(lambda step: metrics.outbox_set_aside.labels(kind=step).inc())

    async def set_aside(message: OutboxMessage, error: str) -> None:
        if message.kind not in MISSED:  # the others are counted where they are reported
            metrics.outbox_set_aside.labels(kind=message.kind).inc()
        if message.kind in (OutboxKind.NOTIFY, OutboxKind.NOTIFY_CARD):  # a page, mail, ticket or notify card
            await notifier.report_failed(message, error)
            return
        await publisher.report_set_aside(message, error)

    return set_aside


class _Ticker:
    """The scheduler's job: reminders, escalation, the responder groups, old Slack deliveries. Shutdown waits for a
    tick under way, so no transaction is cut off holding a database connection."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.groups = [ref for ref in services.config.responders if ref.startswith("S")]
        self.running: asyncio.Task[None] | None = None

    async def tick(self) -> None:
        self.running = asyncio.current_task()
        PRIORITY.set(Priority.BOOKKEEPING)
        services = self.services
        if self.groups and isinstance(services.directory, SlackDirectory):
            try:  # who may act, kept fresh off the request path
                await services.directory.refresh(self.groups)
            except Exception:
                log.exception("reading the responder groups failed")
        try:
            await deliveries.forget_old(services.db, now=services.clock.now())
            if await services.cadence.tick():
                services.dispatcher.wake()
        except Exception:  # a failed tick is retried at the next one; say why
            log.exception("reminder tick failed")
        try:
            if await services.guardrails.tick():
                services.dispatcher.wake()
        except Exception:
            log.exception("guardrail tick failed")
        try:
            if await services.drills.tick():
                services.dispatcher.wake()
        except Exception:
            log.exception("drill tick failed")
        try:
            if await services.digests.tick():
                services.dispatcher.wake()
        except Exception:
            log.exception("digest tick failed")

    async def finish(self, within_s: float = 10.0) -> None:
        if self.running is not None and not self.running.done():
            await asyncio.wait([self.running], timeout=within_s)


async def _start_socket_mode(bolt: AsyncApp, settings: Settings):  # type: ignore[no-untyped-def]
    if settings.slack_app_token is None:
        return None
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return handler


async def slack_events(request: web.Request) -> web.Response:
    started = time.perf_counter()
    services = request.app[SERVICES]
    response = await _slack_events(request, services)
    services.metrics.slack_requests.labels(status=str(response.status)).inc()
    services.metrics.slack_ack_seconds.observe(time.perf_counter() - started)
    return response


async def _slack_events(request: web.Request, services: Services) -> web.Response:
    """Signature, shape and replay are checked on the raw bytes before bolt parses anything (`bot.slack.inbound`)."""
    secret = services.settings.slack_signing_secret
    if secret is None:
        return web.json_response({"error": "no signing secret: requests cannot be verified"}, status=401)
    try:
        body = await request.read()
    except (web.HTTPException, web.RequestPayloadError, aiohttp.ClientPayloadError, ValueError) as exc:
        refused = web.json_response({"error": f"body could not be read: {type(exc).__name__}"}, status=400)
        refused.force_close()  # what is left of the body would be read as the next request
        return refused
    checked = inbound.check(
        request.headers, body, secret=secret.get_secret_value(), content_type=request.content_type, now=time.time()
    )
    if isinstance(checked, inbound.Rejected):
        return web.json_response({"error": checked.error}, status=checked.status)
    if checked.retry:  # Slack's own retry of something we already acknowledged: once is enough
        services.metrics.slack_replays.labels(why="retry").inc()
        return web.Response(status=200, headers={"X-Slack-No-Retry": "1"})
    if checked.key is not None and not await deliveries.first_time(
        services.db, key=checked.key, now=services.clock.now()
    ):
        services.metrics.slack_replays.labels(why="replay").inc()
        return web.Response(status=200)
    bolt_response = await request.app[BOLT].async_dispatch(await to_bolt_request(request))
    return await to_aiohttp_response(bolt_response)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def readyz(request: web.Request) -> web.Response:
    try:
        await request.app[SERVICES].db.ping()
    except Exception as exc:
        log.warning("not ready: %s", exc)
        return web.json_response({"ok": False, "error": "database unreachable"}, status=503)
    return web.json_response({"ok": True})


async def metrics(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        services.metrics.outbox_pending.set(await services.dispatcher.pending())
    except Exception as exc:  # the rest of the metrics still answer; the gauge keeps its last value
        log.warning("metrics: the outbox could not be counted: %s", exc)
    return web.Response(body=services.metrics.exposition(), content_type="text/plain")
