"""The verification chart, read back as a picture: its size, that it is not blank, and that the SLO line is drawn
at the height its value says, between the series' bad and good stretches."""

from __future__ import annotations

import io

import numpy as np
from matplotlib import image as mpimg

from bot.reports.chart import PALETTE, ChartSpec, Marker, SliceRow, render
from bot.runtime.db import Database

T0 = 1_763_780_400.0  # 2025-11-22 03:00 UTC


def _pixels(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return (mpimg.imread(io.BytesIO(png), format="png")[:, :, :3] * 255).round().astype(int)


def _mask(image: np.ndarray, colour: str, tolerance: int = 12) -> np.ndarray:
    rgb = np.array([int(colour[n : n + 2], 16) for n in (1, 3, 5)])
    return np.all(np.abs(image - rgb) <= tolerance, axis=2)


def _spec(**overrides: object) -> ChartSpec:
    fields: dict[str, object] = {
        "title": "cv-detector map across INC-1",
        "metric": "map",
        "series": [(T0 + 60 * n, 0.40 if n < 60 else 0.60) for n in range(120)],
        "start": T0 - 600,
        "end": T0 + 120 * 60,
        "bound": "≥ 0.55",
        "limit": 0.55,
        "markers": [Marker(at=T0 + 3600, label="rollback 2.0.0 → 1.8.2", kind="action")],
        "window": (T0 + 3600, T0 + 7200),
    }
    fields.update(overrides)
    return ChartSpec(**fields)  # type: ignore[arg-type]


def test_the_slo_line_is_where_its_value_says() -> None:
    image = _pixels(render(_spec()))
    assert image.shape[:2] == (420, 1000)
    assert np.mean(np.any(image < 240, axis=2)) > 0.02  # not blank
    series = np.nonzero(_mask(image, PALETTE["series"]).sum(axis=1) > 100)[0]  # rows of the two long flat stretches
    good, bad = series.min(), series.max()  # 0.60 is higher up the picture than 0.40
    slo_rows = _mask(image, PALETTE["slo"]).sum(axis=1)
    slo = int(np.argmax(slo_rows))
    assert slo_rows[slo] > 0.4 * image.shape[1]  # a dashed line across the plot
    assert good < slo < bad
    assert abs((slo - good) / (bad - good) - 0.25) < 0.05  # 0.55 is a quarter of the way down from 0.60 to 0.40
    assert _mask(image, PALETTE["action"]).sum() > 100  # the rollback marker


def test_a_localized_incident_adds_the_slices_in_breach() -> None:
    slices = [SliceRow(name=f"cam-{n}", spans=[(T0, T0 + 3600)]) for n in range(23, 41)]
    image = _pixels(render(_spec(slices=slices, slices_total=40)))
    assert image.shape[0] > 420  # a second panel below
    lower = image[450:]
    assert _mask(lower, PALETTE["deploy"]).sum() > 1000  # the breach cells


def test_no_data_is_still_a_picture_that_says_so() -> None:
    image = _pixels(render(_spec(series=[])))
    assert image.shape[:2] == (420, 1000)
    assert not _mask(image, PALETTE["series"]).any()


async def test_a_deploy_days_before_does_not_squeeze_the_incident_to_the_edge(db: Database) -> None:
    """The sandbox replays last month's alerts today: the chart still shows the incident's hours, not ten days."""
    from datetime import UTC, datetime, timedelta

    from bot.incidents.timeline import EventKind
    from bot.models import Alert, Incident, TimelineEvent
    from bot.reports import incident_chart

    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    long_ago = (now - timedelta(days=10)).isoformat()
    async with db.session_scope() as session:
        incident = Incident(title="t", severity="SEV2", model="cv-detector", declared_at=now, declared_by="U1")
        session.add(incident)
        await session.flush()
        alert = Alert(
            source="alertmanager",
            fingerprint="f",
            status="firing",
            model="cv-detector",
            received_at=now,
            updated_at=now,
            starts_at=now - timedelta(days=10),
            incident_id=incident.id,
            details={"deployed_at": long_ago},
        )
        series = [[(now + timedelta(minutes=m)).timestamp(), 0.6] for m in range(0, 30)]
        verdict = {"metric": "map", "verdict": "recovered", "bound": "≥ 0.55", "window_s": 600.0, "limit": 0.55}
        event = TimelineEvent(
            incident_id=incident.id,
            actor="U1",
            kind=EventKind.VERIFICATION,
            at=now + timedelta(minutes=30),
            data={"verdicts": [{**verdict, "series": series}]},
        )
        session.add_all([alert, event])
        await session.flush()
        spec = await incident_chart.spec(session, incident_id=incident.id, event_id=event.id)  # type: ignore[arg-type]
    assert spec is not None
    assert spec.end - spec.start <= timedelta(hours=4).total_seconds()  # 3 h before the declaration, a margin
    assert spec.start >= (now - timedelta(hours=3, minutes=20)).timestamp()
    labels = [m.label for m in spec.markers]
    assert labels == ["deploy (12:00)", "first alert (12:00)", "declared (12:00)"]  # ten days apart: not merged
