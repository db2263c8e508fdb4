"""The hand-written statistics agree with scipy's: PSI, KL and JS on smoothed histograms, and the permutation test
of "is the window worse than the baseline"."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy, permutation_test

from bot.triage.stats import EPSILON, js_divergence, kl_divergence, psi, sustained_breach

counts = st.lists(st.integers(min_value=0, max_value=10_000), min_size=2, max_size=12)


def _smoothed(c: list[int]) -> np.ndarray:
    """The same smoothing as bot.triage.stats: empty bins get EPSILON before renormalising."""
    array = np.asarray(c, dtype=np.float64)
    total = array.sum()
    p = array / total if total > 0 else np.full_like(array, 1 / array.size)
    return (p + EPSILON) / (1 + EPSILON * array.size)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_divergences_match_scipy(data: st.DataObject) -> None:
    p_counts = data.draw(counts)
    q_counts = data.draw(st.lists(st.integers(0, 10_000), min_size=len(p_counts), max_size=len(p_counts)))
    p, q = _smoothed(p_counts), _smoothed(q_counts)
    assert float(kl_divergence(p_counts, q_counts)) == pytest.approx(entropy(p, q), rel=1e-9, abs=1e-12)
    assert float(psi(p_counts, q_counts)) == pytest.approx(entropy(p, q) + entropy(q, p), rel=1e-9, abs=1e-12)
    assert float(js_divergence(p_counts, q_counts)) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-7, abs=1e-12)


def test_many_slices_at_once_match_one_by_one() -> None:
    rng = np.random.default_rng(7)
    baseline = rng.integers(0, 500, size=10)
    slices = rng.integers(0, 500, size=(40, 10))
    together = psi(baseline, slices)
    assert together.shape == (40,)
    for row, value in zip(slices, together, strict=True):
        p, q = _smoothed(list(baseline)), _smoothed(list(row))
        assert value == pytest.approx(entropy(p, q) + entropy(q, p), rel=1e-9)


@pytest.mark.parametrize("shift", [0.0, 0.02, 0.05, 0.1])
def test_permutation_p_value_matches_scipy(shift: float) -> None:
    """Small samples: scipy's test is exact (every split); ours samples 20,000 of them."""
    rng = np.random.default_rng(3)
    baseline = 0.62 + rng.normal(0, 0.03, size=8)
    window = 0.62 - shift + rng.normal(0, 0.03, size=7)
    ours = sustained_breach(window, slo_min=1.0, baseline=baseline, permutations=20_000, seed=1).p_value
    exact = permutation_test(
        (baseline, window),
        lambda a, b: np.mean(a) - np.mean(b),
        permutation_type="independent",
        alternative="greater",
        n_resamples=np.inf,
    ).pvalue
    assert ours == pytest.approx(exact, abs=0.01)
