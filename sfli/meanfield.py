r"""Infinite-width mean field of ReLU networks with equicorrelated (anti-correlated) weight rows.

Rows of W have variance σ_w²/N and correlation k/(N − 1) (k ∈ [−1, 0]); biases have variance σ_b². For two inputs
with pre-activation second moment q and correlation c (the arc-cosine kernel of ReLU, plus the k-term from the
row correlation; our computation, see ../shared/papers/relu-inits.md):

    q' = σ_w² q (π + k)/(2π) + σ_b²,
    q' c' = σ_w² q [√(1 − c²) + c(π − arccos c) + k]/(2π) + σ_b².

At σ_b = 0 and the variance-preserving σ_w² = 2π/(π + k) the correlation map is
c' = [√(1 − c²) + c(π − arccos c) + k]/(π + k), with slope π/(π + k) = σ_w²/2 at c = 1: c = 1 is stable only at
k = 0 (He), and for k < 0 the map converges to a fixed point c* < 1 (a chaotic phase).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq


def _k(k: float) -> float:
    if isinstance(k, bool) or not isinstance(k, (int, float)) or not -1.0 <= k <= 0.0:
        raise ValueError(f"k must be a number in [-1, 0], got {k!r}")
    return float(k)


def arccos_kernel(c: np.ndarray | float) -> np.ndarray:
    """J(c) = √(1 − c²) + c(π − arccos c): 2π E[relu(u) relu(v)] for unit-variance u, v of correlation c."""
    c = np.clip(np.asarray(c, dtype=float), -1.0, 1.0)
    return np.sqrt(1.0 - c * c) + c * (np.pi - np.arccos(c))


def relu_correlation_map(c: np.ndarray | float, k: float = 0.0) -> np.ndarray:
    r"""c' = [√(1 − c²) + c(π − arccos c) + k]/(π + k): the correlation map at σ_w² = 2π/(π + k), σ_b = 0
    (vectorized over ``c`` ∈ [−1, 1])."""
    k = _k(k)
    return (arccos_kernel(c) + k) / (np.pi + k)


def relu_qc_map(q: np.ndarray, c: np.ndarray, sigma_w2: np.ndarray | float, k: np.ndarray | float,
                sigma_b2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """One layer of the (q, c) map at any σ_w², k, σ_b² (broadcast over arrays): returns (q', c')."""
    q, c = np.asarray(q, dtype=float), np.asarray(c, dtype=float)
    q_new = sigma_w2 * q * (np.pi + k) / (2 * np.pi) + sigma_b2
    cross = sigma_w2 * q * (arccos_kernel(c) + k) / (2 * np.pi) + sigma_b2
    with np.errstate(invalid="ignore", divide="ignore"):
        c_new = np.where(q_new > 0, cross / q_new, 1.0)
    return q_new, np.clip(c_new, -1.0, 1.0)


def relu_correlations(c0: float, k: float, depth: int) -> np.ndarray:
    """c_0, c_1, …, c_depth: the correlation map iterated from ``c0`` (length depth + 1)."""
    out = [float(c0)]
    for _ in range(depth):
        out.append(float(relu_correlation_map(out[-1], k)))
    return np.array(out)


def relu_fixed_point(k: float) -> float:
    """The correlation c* the map converges to from any c < 1: 1 at k = 0, the root in [−1, 1) of c' = c for
    k < 0 (the map is convex with slope > 1 at c = 1, so that root is unique and attracting)."""
    k = _k(k)
    if k == 0.0:
        return 1.0

    def gap(c: float) -> float:
        return float(relu_correlation_map(c, k)) - c

    upper = 1.0 - 1e-6
    while gap(upper) >= 0.0 and upper < 1.0 - 1e-15:  # k close to 0: c* very close to 1
        upper = 1.0 - (1.0 - upper) / 10.0
    if gap(upper) >= 0.0:
        return 1.0
    return brentq(gap, -1.0, upper, xtol=1e-14)


def order_chaos_boundaries(k: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """At σ_b² > 0: the order-to-chaos line σ_w² = 2 (slope σ_w²/2 of the c-map at c = 1) and the line
    σ_w² = 2π/(π + k) beyond which q grows without bound. Between them (k < 0 only): the chaotic phase."""
    k = np.asarray(k, dtype=float)
    return np.full_like(k, 2.0), 2 * math.pi / (math.pi + k)


def phase_fixed_points(sigma_w2: np.ndarray, k: np.ndarray, sigma_b2: float = 0.1, c0: float = 0.5,
                       depth: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """(q_L, c_L) after ``depth`` layers of :func:`relu_qc_map` from (q, c) = (1, c0) on a (σ_w², k) grid
    (arrays broadcast together): the phase diagram's data."""
    q = np.ones(np.broadcast(sigma_w2, k).shape)
    c = np.full_like(q, c0)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(depth):
            q, c = relu_qc_map(q, c, sigma_w2, k, sigma_b2)
            q = np.minimum(q, 1e300)
    return q, c
