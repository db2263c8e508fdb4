"""The verification chart is a real PNG whose pixels show the series, the SLO line and the action mark."""

from __future__ import annotations

import struct
import zlib

import numpy as np

from bot.chart import HEIGHT, LIMIT, MARK, SERIES, WIDTH, line_chart


def _pixels(png: bytes) -> np.ndarray:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (WIDTH, HEIGHT)
    data, at = b"", 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        assert struct.unpack(">I", png[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body)
        data += body if kind == b"IDAT" else b""
        at += 12 + length
    rows = np.frombuffer(zlib.decompress(data), dtype=np.uint8).reshape(height, 1 + width * 3)
    return rows[:, 1:].reshape(height, width, 3)


def test_series_limit_and_mark_are_drawn() -> None:
    points = [(float(t), 0.4 if t < 50 else 0.6) for t in range(100)]
    image = _pixels(line_chart(points, limit=0.55, marks=[50.0]))
    colours = {tuple(p) for p in image.reshape(-1, 3)}
    assert {SERIES, LIMIT, MARK} <= colours


def test_no_data_is_still_a_picture() -> None:
    image = _pixels(line_chart([], limit=0.55))
    assert SERIES not in {tuple(p) for p in image.reshape(-1, 3)}
