"""Drift and significance in numpy: PSI, KL and JS divergence between histograms (rows are slices, so many
slices are compared at once), and a "sustained, not noise" check of a metric against its SLO and baseline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SustainedCheck", "js_divergence", "kl_divergence", "psi", "sustained_breach"]

EPSILON = 1e-4  # smoothing for empty bins: every bin gets this much probability before renormalising


def _distributions(counts: ArrayLike) -> NDArray[np.float64]:
    """Rows of counts (or one row) as smoothed probability distributions; an all-zero row is uniform."""
    array = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    if array.ndim != 2 or array.shape[-1] < 1:
        raise ValueError("a histogram needs at least one bin")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise ValueError("histogram counts must be finite and non-negative")
    totals = array.sum(axis=-1, keepdims=True)
    bins = array.shape[-1]
    probabilities: NDArray[np.float64] = np.divide(array, totals, out=np.full_like(array, 1.0 / bins), where=totals > 0)
    smoothed: NDArray[np.float64] = (probabilities + EPSILON) / (1.0 + EPSILON * bins)
    return smoothed


def _pair(expected: ArrayLike, actual: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    p, q = _distributions(expected), _distributions(actual)
    if p.shape[-1] != q.shape[-1]:
        raise ValueError(f"histograms have different bins ({p.shape[-1]} and {q.shape[-1]})")
    p, q = np.broadcast_arrays(p, q)
    return p, q


def _shape(result: NDArray[np.float64], *inputs: ArrayLike) -> NDArray[np.float64]:
    return result if any(np.ndim(i) > 1 for i in inputs) else result.reshape(())


def psi(expected: ArrayLike, actual: ArrayLike) -> NDArray[np.float64]:
    """Population stability index, Σ (q − p) ln(q / p); 0.2 is the usual alarm line."""
    p, q = _pair(expected, actual)
    return _shape(np.sum((q - p) * np.log(q / p), axis=-1), expected, actual)


def kl_divergence(p_counts: ArrayLike, q_counts: ArrayLike) -> NDArray[np.float64]:
    """KL(P ‖ Q) in nats."""
    p, q = _pair(p_counts, q_counts)
    return _shape(np.sum(p * np.log(p / q), axis=-1), p_counts, q_counts)


def js_divergence(p_counts: ArrayLike, q_counts: ArrayLike) -> NDArray[np.float64]:
    """Jensen–Shannon divergence in nats: symmetric, bounded by ln 2."""
    p, q = _pair(p_counts, q_counts)
    m = (p + q) / 2
    result = 0.5 * np.sum(p * np.log(p / m), axis=-1) + 0.5 * np.sum(q * np.log(q / m), axis=-1)
    return _shape(result, p_counts, q_counts)


@dataclass(frozen=True, kw_only=True)
class SustainedCheck:
    points: int
    share_outside: float | None  # of the window's points, how many break the SLO
    p_value: float | None  # one-sided: is the window worse than the baseline?
    verdict: str  # "sustained", "blip" or "inconclusive"

    @property
    def sustained(self) -> bool:
        return self.verdict == "sustained"


def sustained_breach(
    window: ArrayLike,
    *,
    slo_min: float | None = None,
    slo_max: float | None = None,
    baseline: ArrayLike | None = None,
    min_share: float = 0.8,
    alpha: float = 0.05,
    min_points: int = 5,
    permutations: int = 2000,
    seed: int = 0,
) -> SustainedCheck:
    """Is the SLO broken for most of the window, and is the window significantly worse than the baseline?

    Missing points (NaN) are dropped; too few points is "inconclusive", never a pass or a breach. The test is
    a permutation test of the difference in means (one-sided, in the direction that breaks the SLO).
    """
    if (slo_min is None) == (slo_max is None):
        raise ValueError("give exactly one of slo_min or slo_max")
    values = np.asarray(window, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size < min_points:
        return SustainedCheck(points=int(values.size), share_outside=None, p_value=None, verdict="inconclusive")
    outside = values < slo_min if slo_min is not None else values > slo_max  # type: ignore[operator]
    share = float(np.mean(outside))
    p_value = None
    if baseline is not None:
        base = np.asarray(baseline, dtype=np.float64).ravel()
        base = base[np.isfinite(base)]
        if base.size >= min_points:
            p_value = _permutation_p(
                values, base, worse_is_lower=slo_min is not None, permutations=permutations, seed=seed
            )
    significant = p_value is None or p_value < alpha
    verdict = "sustained" if share >= min_share and significant else "blip"
    return SustainedCheck(points=int(values.size), share_outside=share, p_value=p_value, verdict=verdict)


def _permutation_p(
    window: NDArray[np.float64], baseline: NDArray[np.float64], *, worse_is_lower: bool, permutations: int, seed: int
) -> float:
    observed = baseline.mean() - window.mean() if worse_is_lower else window.mean() - baseline.mean()
    pooled = np.concatenate([window, baseline])
    rng = np.random.default_rng(seed)
    shuffled = rng.permuted(np.tile(pooled, (permutations, 1)), axis=1)
    first, second = shuffled[:, : window.size], shuffled[:, window.size :]
    diffs = second.mean(axis=1) - first.mean(axis=1) if worse_is_lower else first.mean(axis=1) - second.mean(axis=1)
    return float((np.sum(diffs >= observed - 1e-12) + 1) / (permutations + 1))
