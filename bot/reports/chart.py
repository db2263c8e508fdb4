"""The verification chart: a metric across an incident as a person would put it in a review, drawn with matplotlib
(Agg, no display). A UTC time axis, the value axis named for the metric, the SLO drawn and labelled inside the chart,
markers for the deploy, the first alert, the declaration and each containment action, the verification window
shaded, a legend inside; for a localized incident a second panel shows which slices were in breach when.

Colours are the Okabe–Ito palette (safe for colour-blind readers) and every marker also differs by line style, so
nothing relies on telling red from green. `render` is CPU work: call it off the event loop (`asyncio.to_thread`); it
uses a `Figure` of its own (the Agg canvas, not pyplot's global state), so charts can be drawn in several threads.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

__all__ = ["PALETTE", "ChartSpec", "Marker", "SliceRow", "render"]

# Okabe & Ito, "Color Universal Design": distinguishable with every common colour-vision deficiency.
PALETTE = {
    "series": "#0072B2",  # blue
    "slo": "#D55E00",  # vermillion
    "deploy": "#E69F00",  # orange
    "alert": "#CC79A7",  # reddish purple
    "declared": "#000000",  # black
    "action": "#009E73",  # bluish green
    "window": "#56B4E9",  # sky blue
    "ok": "#EEEEEE",  # light grey: inside the SLO, or nothing heard
}
STYLES = {"deploy": "--", "alert": ":", "declared": "-.", "action": "-"}
SIZE_IN, DPI = (10.0, 4.2), 100  # 1000×420 px; a second panel adds height for the slices


@dataclass(frozen=True, kw_only=True)
class Marker:
    at: float  # unix time
    label: str
    kind: str  # deploy, alert, declared, action


@dataclass(frozen=True, kw_only=True)
class SliceRow:
    name: str
    spans: list[tuple[float, float]]  # in breach from, to (unix times)


@dataclass(frozen=True, kw_only=True)
class ChartSpec:
    title: str
    metric: str
    series: list[tuple[float, float]]
    start: float
    end: float
    bound: str = ""  # "≥ 0.55"
    limit: float | None = None
    markers: list[Marker] = field(default_factory=list)
    window: tuple[float, float] | None = None  # the verification's window
    slices: list[SliceRow] = field(default_factory=list)  # empty: no per-slice panel
    slices_total: int | None = None
    label: str = ""  # the series' name in the legend (default: the metric)
    compare: list[tuple[float, float]] = field(default_factory=list)  # a second series (a guardrail: stable)
    compare_label: str = ""
    limit_label: str = ""  # the line's name (default: `SLO <bound>`)


def _when(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC)


def render(spec: ChartSpec) -> bytes:
    """PNG bytes of the chart described by `spec`."""
    panels = 2 if spec.slices else 1
    rows = min(len(spec.slices), 40)
    height = SIZE_IN[1] + (1.2 + 0.18 * rows if panels == 2 else 0)
    ratios = [SIZE_IN[1], 1.0 + 0.18 * rows] if panels == 2 else [1]
    figure = Figure(figsize=(SIZE_IN[0], height), dpi=DPI, layout="constrained")
    axes = figure.subplots(panels, 1, sharex=True, height_ratios=ratios, squeeze=False)[:, 0]
    _metric_panel(axes[0], spec)
    if panels == 2:
        axes[0].set_xlabel("")
        _slice_panel(axes[1], spec, rows)
    figure.suptitle(spec.title, fontsize=12, x=0.01, ha="left")
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _metric_panel(ax: Axes, spec: ChartSpec) -> None:
    points = [(t, v) for t, v in spec.series if spec.start <= t <= spec.end and np.isfinite(v)]
    ax.set_xlim(_num(spec.start), _num(spec.end))
    ax.set_ylabel(spec.metric)
    ax.grid(True, color="#DDDDDD", linewidth=0.6)
    if spec.window is not None:
        ax.axvspan(
            _num(max(spec.window[0], spec.start)),
            _num(spec.window[1]),
            color=PALETTE["window"],
            alpha=0.18,
            label="verification window",
        )
    others = [(t, v) for t, v in spec.compare if spec.start <= t <= spec.end and np.isfinite(v)]
    if others:  # drawn first, dashed: the series the main one is held against
        ax.plot(
            [_num(t) for t, _ in others],
            [v for _, v in others],
            color=PALETTE["deploy"],
            linestyle="--",
            linewidth=1.6,
            label=spec.compare_label,
        )
    if points:
        times = [_num(t) for t, _ in points]
        ax.plot(times, [v for _, v in points], color=PALETTE["series"], linewidth=2, label=spec.label or spec.metric)
    else:
        ax.text(0.5, 0.5, "no data in this window", transform=ax.transAxes, ha="center", va="center", color="#555555")
    if spec.limit is not None:
        line = spec.limit_label or f"SLO {spec.bound}"
        ax.axhline(spec.limit, color=PALETTE["slo"], linestyle=(0, (6, 3)), linewidth=1.6, label=line)
        ax.annotate(
            line,
            xy=(1.0, spec.limit),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 3),
            textcoords="offset points",
            ha="right",
            va="bottom",
            color=PALETTE["slo"],
            fontsize=9,
            fontweight="bold",
        )
        values = [v for _, v in points + others] + [spec.limit]
        low, high = min(values), max(values)
        pad = (high - low) * 0.15 or abs(spec.limit) * 0.1 or 1.0
        ax.set_ylim(low - pad, high + pad)
    seen: set[str] = set()
    for marker in sorted(spec.markers, key=lambda m: m.at):
        if not spec.start <= marker.at <= spec.end:
            continue
        label = marker.label if marker.label not in seen else None
        seen.add(marker.label)
        ax.axvline(
            _num(marker.at),
            color=PALETTE.get(marker.kind, "#555555"),
            linestyle=STYLES.get(marker.kind, "-"),
            linewidth=1.4,
            label=label,
        )
    _time_axis(ax)
    ax.legend(loc="best", fontsize=8, framealpha=0.9)


def _slice_panel(ax: Axes, spec: ChartSpec, rows: int) -> None:
    shown = spec.slices[:rows]
    columns = 240
    edges = np.linspace(spec.start, spec.end, columns + 1)
    grid = np.zeros((len(shown), columns))
    for row, item in enumerate(shown):
        for begin, end in item.spans:
            grid[row, (edges[1:] > begin) & (edges[:-1] < end)] = 1
    ax.imshow(
        grid,
        aspect="auto",
        interpolation="nearest",
        cmap=ListedColormap([PALETTE["ok"], PALETTE["deploy"]]),
        vmin=0,
        vmax=1,
        extent=(_num(spec.start), _num(spec.end), len(shown), 0),
    )
    ax.set_yticks([n + 0.5 for n in range(len(shown))], [s.name for s in shown], fontsize=7)
    of = f" of {spec.slices_total}" if spec.slices_total else ""
    more = f" (first {rows} shown)" if len(spec.slices) > rows else ""
    ax.set_title(f"Slices in breach (orange), from their alerts: {len(spec.slices)}{of}{more}", fontsize=9, loc="left")
    for marker in spec.markers:
        if spec.start <= marker.at <= spec.end and marker.kind in ("deploy", "action"):
            ax.axvline(_num(marker.at), color="#333333", linestyle=STYLES[marker.kind], linewidth=1)
    _time_axis(ax)


def _num(t: float) -> float:
    return float(mdates.date2num(_when(t)))  # type: ignore[no-untyped-call]


def _time_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(tz=UTC, minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=UTC))  # type: ignore[no-untyped-call]
    ax.set_xlabel("UTC")
