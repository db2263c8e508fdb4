"""Containment's own outbox jobs, done by the domain without passing through Slack: planning an action (which queues
the plan to be shown), running a confirmed one, and verifying a model's SLOs after it. None of them calls Slack;
their failures are read by `job_failure`."""

from __future__ import annotations

from bot import serving
from bot.clock import Clock
from bot.config import Config
from bot.containment.actions import BackendFactory
from bot.containment.confirm import act_for_guardrail
from bot.containment.plan import prepare
from bot.containment.run import execute
from bot.containment.verification import SourceFactory, record_verification
from bot.metrics import source_for
from bot.models import OutboxMessage
from bot.runtime.db import Database
from bot.runtime.outbox import OutboxKind, Route, job_failure

__all__ = ["ContainmentJobs"]


class ContainmentJobs:
    def __init__(
        self,
        *,
        db: Database,
        config: Config,
        clock: Clock,
        backend_for: BackendFactory = serving.backend_for,
        sources: SourceFactory = source_for,
    ) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.backend_for = backend_for
        self.sources = sources

    def routes(self) -> dict[OutboxKind, Route]:
        return {
            OutboxKind.PLAN_ACTION: Route(do=self.plan, failure=job_failure),
            OutboxKind.RUN_ACTION: Route(do=self.run, failure=job_failure),
            OutboxKind.VERIFY: Route(do=self.verify, failure=job_failure),
            OutboxKind.GUARDRAIL_ACT: Route(do=self.guardrail_act, failure=job_failure),
            OutboxKind.REGISTRY_MARK: Route(do=self.registry_mark, failure=job_failure),
        }

    async def registry_mark(self, message: OutboxMessage) -> None:
        """A version's verdict, written where its platform keeps such things (a retry writes the same tags)."""
        model = str(message.payload["model"])
        settings = self.config.model(model)
        if settings is None:
            return  # the model left sevbot.yml since: its ledger keeps the verdict
        await self.backend_for(model, settings).write_mark(str(message.payload["version"]), message.payload["mark"])

    async def guardrail_act(self, message: OutboxMessage) -> None:
        """The countdown ran out: the action runs unless someone cancelled it (or ran it early), exactly once."""
        async with self.db.session_scope() as session:
            await act_for_guardrail(session, action_id=int(message.payload["action_id"]), now=self.clock.now())

    async def plan(self, message: OutboxMessage) -> None:
        await prepare(
            self.db,
            config=self.config,
            clock=self.clock,
            backend_for=self.backend_for,
            action_id=int(message.payload["action_id"]),
        )

    async def run(self, message: OutboxMessage) -> None:
        await execute(
            self.db,
            config=self.config,
            clock=self.clock,
            backend_for=self.backend_for,
            action_id=int(message.payload["action_id"]),
        )

    async def verify(self, message: OutboxMessage) -> None:
        assert message.incident_id is not None, "a verification row without an incident"
        await record_verification(
            self.db,
            config=self.config,
            clock=self.clock,
            incident_id=message.incident_id,
            model=message.payload.get("model"),
            asked_by=message.payload.get("asked_by"),
            after_action=message.payload.get("after_action"),
            sources=self.sources,
        )
