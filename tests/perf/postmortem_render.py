"""Postmortem rendering for an incident with 5,000 timeline events (alerts, updates, notes, actions,
verifications…): reading them from the database and rendering the Markdown. Target: under a second.

    python tests/perf/postmortem_render.py [--events 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.incidents.timeline import EventKind
from bot.models import Incident, RoleAssignment, TimelineEvent
from bot.reports import postmortem
from bot.runtime.db import Database
from bot.runtime.migrate import upgrade_async
from bot.settings import to_async_url
from bot.texts import Texts

START = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def _event(n: int, incident_id: int) -> TimelineEvent:
    at = START + timedelta(seconds=n * 2)
    kind, data = [
        (
            EventKind.ALERT,
            {"status": "firing", "name": "MapBelowSLO", "metric": "map", "value": 0.4, "slice": f"cam-{n}"},
        ),
        (EventKind.NOTE, {"text": f"looked at camera {n} &amp; its feed", "rca": n % 50 == 0}),
        (EventKind.STATUS_UPDATE, {"text": f"step {n}: still investigating"}),
        (
            EventKind.ACTION,
            {
                "action": "rollback",
                "model": "cv-detector",
                "status": "failed",
                "before": "2.0.0",
                "after": None,
                "error": "timeout",
                "backend": "MLflow",
                "confirmed_by": "U0004",
            },
        ),
        (
            EventKind.VERIFICATION,
            {
                "model": "cv-detector",
                "verdicts": [{"metric": "map", "verdict": "not_recovered", "bound": "≥ 0.55", "current": 0.5}],
                "error": None,
            },
        ),
        (EventKind.ACTION_ITEM, {"text": f"item {n}", "owner": "U0003"}),
    ][n % 6]
    return TimelineEvent(
        incident_id=incident_id,
        actor="U0002" if kind != EventKind.ALERT else "alert:alertmanager",
        kind=kind,
        at=at,
        data=data,
    )


async def main(events: int, repeat: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'pm.db'}"
        await upgrade_async(url)
        db = Database(url=to_async_url(url))
        async with db.session_scope() as session:
            incident = Incident(
                severity="SEV1",
                title="mAP down",
                model="cv-detector",
                declared_by="U0002",
                declared_at=START,
                acknowledged_at=START + timedelta(minutes=4),
                resolved_at=START + timedelta(hours=3),
            )
            session.add(incident)
            await session.flush()
            assert incident.id is not None
            session.add(
                RoleAssignment(
                    incident_id=incident.id, role="commander", user_id="U0002", assigned_by="U0002", assigned_at=START
                )
            )
            session.add_all([_event(n, incident.id) for n in range(events)])
        texts = Texts()
        names = {"U0002": "bob", "U0003": "carol", "U0004": "dave"}
        timings = []
        for _ in range(repeat):
            began = time.perf_counter()
            async with db.session_scope() as session:
                stored = await session.get(Incident, incident.id)
                assert stored is not None
                pm = await postmortem.gather(session, stored)
            document = postmortem.render(texts, pm, names=names, now=START)
            timings.append(time.perf_counter() - began)
        await db.dispose()
    best, median = min(timings), statistics.median(timings)
    print(f"postmortem of an incident with {events:,} timeline events: {len(document):,} characters of Markdown")
    print(f"  read + render: median {median * 1000:.0f} ms, best {best * 1000:.0f} ms over {repeat} runs")
    print(f"  target < 1 s: {'met' if median < 1.0 else 'MISSED'}")
    return 0 if median < 1.0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.events, args.repeat)))
