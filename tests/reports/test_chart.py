"""The verification chart, read back as a picture: its size, that it is not blank, and that the SLO line is drawn
at the height its value says, between the series' bad and good stretches."""

from __future__ import annotations

import io

import numpy as np
from matplotlib import image as mpimg

from bot.reports.chart import PALETTE, ChartSpec, Marker, SliceRow, render

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
