"""A small PNG line chart of a metric across an incident, with its SLO line, drawn with numpy and written with
zlib: no plotting library to install for one picture. Points only (no text): Slack shows the title beside it."""

from __future__ import annotations

import itertools
import struct
import zlib
from collections.abc import Sequence

import numpy as np

__all__ = ["line_chart"]

WIDTH, HEIGHT, PAD = 640, 240, 12
BACKGROUND, GRID, SERIES, LIMIT, MARK = (255, 255, 255), (232, 232, 232), (31, 119, 180), (214, 39, 40), (44, 160, 44)


def _line(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int], width: int = 2) -> None:
    steps = max(abs(x1 - x0), abs(y1 - y0), 1)
    xs = np.rint(np.linspace(x0, x1, steps + 1)).astype(int)
    ys = np.rint(np.linspace(y0, y1, steps + 1)).astype(int)
    for dy in range(-(width // 2), width - width // 2):
        image[np.clip(ys + dy, 0, HEIGHT - 1), np.clip(xs, 0, WIDTH - 1)] = colour


def line_chart(
    points: Sequence[tuple[float, float]], *, limit: float | None = None, marks: Sequence[float] = ()
) -> bytes:
    """PNG bytes: the series in blue, the SLO bound in red, marked moments (e.g. a rollback) as green lines."""
    image = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
    image[:] = BACKGROUND
    for y in np.linspace(PAD, HEIGHT - PAD, 5).astype(int):
        image[y, PAD : WIDTH - PAD] = GRID
    data = np.array([(t, v) for t, v in points if np.isfinite(v)], dtype=np.float64).reshape(-1, 2)
    if data.size:
        values = np.concatenate([data[:, 1], [limit] if limit is not None else []])
        low, high = float(values.min()), float(values.max())
        span = (high - low) or 1.0
        low, high = low - 0.1 * span, high + 0.1 * span
        t0, t1 = float(data[:, 0].min()), float(data[:, 0].max())

        def x(t: float) -> int:
            return PAD + int((t - t0) / ((t1 - t0) or 1.0) * (WIDTH - 2 * PAD))

        def y(v: float) -> int:
            return HEIGHT - PAD - int((v - low) / (high - low) * (HEIGHT - 2 * PAD))

        for t in marks:
            if t0 <= t <= t1:
                _line(image, x(t), PAD, x(t), HEIGHT - PAD, MARK, width=1)
        if limit is not None:
            _line(image, PAD, y(limit), WIDTH - PAD, y(limit), LIMIT, width=1)
        for (ta, va), (tb, vb) in itertools.pairwise(data):
            _line(image, x(ta), y(va), x(tb), y(vb), SERIES)
    return _png(image)


def _png(image: np.ndarray) -> bytes:
    height, width, _ = image.shape
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
