"""PSI, KL, JS and the sustained-breach check against hand-computed values and generated inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bot.triage.stats import js_divergence, kl_divergence, psi, sustained_breach


def test_psi_by_hand() -> None:
    # p = .1 .2 .3 .4, q = .4 .3 .2 .1: 2 × (.3 ln 4 + .1 ln 1.5) = 0.9129 (smoothing moves the 4th decimal)
    expected = 2 * (0.3 * math.log(4) + 0.1 * math.log(1.5))
    assert float(psi([10, 20, 30, 40], [40, 30, 20, 10])) == pytest.approx(expected, abs=2e-3)
    assert float(psi([5, 5], [5, 5])) == pytest.approx(0.0, abs=1e-12)


def test_kl_and_js_by_hand() -> None:
    assert float(kl_divergence([1, 1], [1, 3])) == pytest.approx(
        0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75), abs=1e-3
    )
    assert float(js_divergence([1, 0], [0, 1])) == pytest.approx(math.log(2), abs=2e-3)  # disjoint: near the bound


def test_empty_bins_and_empty_histograms_are_smoothed() -> None:
    assert math.isfinite(float(kl_divergence([1, 0, 0], [0, 0, 1])))
    assert float(psi([0, 0, 0], [0, 0, 0])) == pytest.approx(0.0)


def test_many_slices_at_once() -> None:
    baseline = np.array([[10, 20, 30, 40]] * 3)
    current = np.array([[10, 20, 30, 40], [40, 30, 20, 10], [0, 0, 0, 100]])
    values = psi(baseline, current)
    assert values.shape == (3,)
    assert values[0] == pytest.approx(0.0, abs=1e-9) and values[1] > 0.2 and values[2] > values[1]
    assert np.allclose(values, [float(psi(b, c)) for b, c in zip(baseline, current, strict=True)])
    assert psi([10, 20, 30, 40], current).shape == (3,)  # one baseline against every slice


def test_bad_histograms_are_refused() -> None:
    for bad in ([1, -1], [1, float("nan")], [1, float("inf")]):
        with pytest.raises(ValueError):
            psi([1, 1], bad)
    with pytest.raises(ValueError, match="different bins"):
        psi([1, 1], [1, 1, 1])


counts = arrays(np.float64, st.integers(1, 12), elements=st.floats(0, 1e6, allow_nan=False))


@given(counts, st.data())
def test_divergences_are_finite_non_negative_and_js_symmetric(p: np.ndarray, data: st.DataObject) -> None:
    q = data.draw(arrays(np.float64, p.shape, elements=st.floats(0, 1e6, allow_nan=False)))
    for value in (psi(p, q), kl_divergence(p, q), js_divergence(p, q)):
        assert np.isfinite(value) and value >= -1e-12
    assert float(js_divergence(p, q)) == pytest.approx(float(js_divergence(q, p)), abs=1e-9)
    assert float(psi(p, q)) == pytest.approx(float(psi(q, p)), abs=1e-9)  # PSI is symmetric too
    assert float(js_divergence(p, q)) <= math.log(2) + 1e-9


def test_sustained_breach_tells_trend_from_blip() -> None:
    baseline = [0.62, 0.63, 0.61, 0.64, 0.62, 0.60, 0.63]
    trend = sustained_breach([0.50, 0.48, 0.49, 0.47, 0.50, 0.46], slo_min=0.55, baseline=baseline)
    assert (
        trend.verdict == "sustained"
        and trend.share_outside == 1.0
        and trend.p_value is not None
        and trend.p_value < 0.01
    )
    blip = sustained_breach([0.50, 0.60, 0.61, 0.62, 0.60, 0.63], slo_min=0.55, baseline=baseline)
    assert blip.verdict == "blip" and blip.share_outside == pytest.approx(1 / 6)
    latency = sustained_breach([130, 140, 150, 135, 145], slo_max=120, baseline=[100, 101, 99, 102, 98])
    assert latency.sustained


def test_missing_data_is_never_a_pass_or_a_breach() -> None:
    check = sustained_breach([0.5, float("nan"), float("nan")], slo_min=0.55)
    assert check.verdict == "inconclusive" and check.points == 1 and not check.sustained


@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan"))), max_size=40), st.floats(-1e6, 1e6))
def test_sustained_never_fails_on_any_input(window: list[float], bound: float) -> None:
    check = sustained_breach(window, slo_min=bound, baseline=window[::-1], permutations=200)
    assert check.verdict in ("sustained", "blip", "inconclusive")
    assert check.p_value is None or 0 < check.p_value <= 1
