"""The insights chart App Home shows: per severity, the median time to acknowledge, contain and resolve, with the
90th percentile drawn as a whisker above each bar, on a log scale of minutes (an acknowledgement takes minutes, a
resolution hours). The house style of the verification charts (`bot.reports.chart`): the Okabe–Ito palette, and each
series also told apart by its hatching, so nothing relies on colour; a title, a legend inside, a grid. `render` is
CPU work: call it off the event loop. `key` names what a chart draws, so the same numbers are drawn (and uploaded)
once."""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np
from matplotlib.figure import Figure

from bot.insights.stats import Figures, Insights
from bot.reports.chart import PALETTE

__all__ = ["key", "render"]

SERIES = (
    ("acknowledge", "acknowledge", PALETTE["series"], ""),
    ("contain", "contain", PALETTE["action"], "//"),
    ("resolve", "resolve", PALETTE["slo"], ".."),
)
SIZE_IN, DPI = (10.0, 4.2), 100  # 1000×420 px, as the verification charts


def _minutes(figures: Figures, name: str) -> tuple[float, float] | None:
    spread = getattr(figures, name)
    return (spread.median_s / 60, spread.p90_s / 60) if spread is not None else None


def key(stats: Insights) -> str:
    """What the chart draws, as a short stable name: the same numbers give the same key."""
    drawn = [[f.key, f.count, *[_minutes(f, name) for name, *_ in SERIES]] for f in stats.severities if f.count] + [
        stats.days
    ]
    digest = hashlib.sha256(json.dumps(drawn, sort_keys=True).encode()).hexdigest()[:24]
    return f"insights-{stats.days}d-{digest}"


def render(stats: Insights) -> bytes:
    """PNG bytes; a chart that says so when there is nothing to draw."""
    rows = [f for f in stats.severities if any(_minutes(f, name) for name, *_ in SERIES)]
    figure = Figure(figsize=SIZE_IN, dpi=DPI, layout="constrained")
    ax = figure.subplots()
    ax.grid(True, axis="y", color="#DDDDDD", linewidth=0.6, which="both")
    ax.set_axisbelow(True)
    if not rows:
        empty = "nothing acknowledged, contained or resolved in this period"
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", va="center")
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        width = 0.26
        places = np.arange(len(rows))
        for n, (name, label, colour, hatch) in enumerate(SERIES):
            values = [_minutes(f, name) for f in rows]
            at = places + (n - 1) * width
            medians = [v[0] if v else 0.0 for v in values]
            above = [max(v[1] - v[0], 0.0) if v else 0.0 for v in values]
            ax.bar(
                at,
                [max(m, 0.1) if v else 0.0 for m, v in zip(medians, values, strict=True)],
                width,
                color=colour,
                hatch=hatch,
                edgecolor="white",
                label=f"{label} (median; whisker p90)",
                yerr=[[0.0] * len(rows), above],
                error_kw={"ecolor": "#333333", "capsize": 3, "linewidth": 1},
            )
        ax.set_xticks(places, [f"{f.key}\n{f.count} incident{'' if f.count == 1 else 's'}" for f in rows])
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.5)  # half a minute: short bars still show
        ax.set_ylabel("minutes from declaration")
        ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    figure.suptitle(
        f"The last {stats.days} days: how fast, by severity (drills left out)", fontsize=11, x=0.01, ha="left"
    )
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
