"""The ReLU mean field (sfli.meanfield) against independent computations: Monte-Carlo Gaussian integration and the
fixed points of the note (../shared/papers/relu-inits.md)."""
import math

import numpy as np
import pytest

from sfli.meanfield import (arccos_kernel, order_chaos_boundaries, phase_fixed_points, relu_correlation_map,
                            relu_correlations, relu_fixed_point, relu_qc_map)


def _mc_kernel(c: float, n: int = 2_000_000, seed: int = 0) -> float:
    """2π E[relu(u) relu(v)] for unit Gaussians u, v of correlation c, by Monte Carlo."""
    rng = np.random.default_rng(seed)
    u, e = rng.standard_normal(n), rng.standard_normal(n)
    v = c * u + math.sqrt(1 - c * c) * e
    return 2 * math.pi * float(np.mean(np.maximum(u, 0) * np.maximum(v, 0)))


@pytest.mark.parametrize("c", [-0.9, -0.3, 0.0, 0.4, 0.8, 1.0])
def test_arccos_kernel_matches_monte_carlo(c):
    assert arccos_kernel(c) == pytest.approx(_mc_kernel(c), abs=0.01)


@pytest.mark.parametrize("k", [0.0, -0.5, -1.0])
def test_correlation_map_matches_gauss_hermite_with_row_correlation(k):
    """c' = [2π E relu(u)relu(v) + k · 2π (E relu u)²]/(2π E relu(u)² + k · 2π (E relu u)²), by quadrature."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(150)
    weights = weights / weights.sum()
    for c in (-0.7, 0.0, 0.5, 0.95):
        u = nodes[:, None]
        v = c * nodes[:, None] + math.sqrt(1 - c * c) * nodes[None, :]
        cross = float((weights[:, None] * weights[None, :] * np.maximum(u, 0) * np.maximum(v, 0)).sum())
        mean = float((weights * np.maximum(nodes, 0)).sum())
        second = float((weights * np.maximum(nodes, 0) ** 2).sum())
        expected = (cross + k * mean**2) / (second + k * mean**2)
        assert relu_correlation_map(c, k) == pytest.approx(expected, abs=5e-3)  # the kink of relu: slow quadrature


def test_map_is_vectorized_and_fixes_one():
    c = np.linspace(-1, 1, 11)
    out = relu_correlation_map(c, -0.5)
    assert out.shape == c.shape
    assert relu_correlation_map(1.0, -0.5) == pytest.approx(1.0)
    assert relu_correlation_map(1.0, 0.0) == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"k must be a number in \[-1, 0\]"):
        relu_correlation_map(c, 0.3)


@pytest.mark.parametrize("k,expected", [(0.0, 1.0), (-0.25, 0.930), (-0.5, 0.727), (-0.75, 0.407), (-1.0, 0.0)])
def test_fixed_points_of_the_note(k, expected):
    c_star = relu_fixed_point(k)
    assert c_star == pytest.approx(expected, abs=5e-4)
    if k < 0:
        assert relu_correlations(0.1, k, 300)[-1] == pytest.approx(c_star, abs=1e-6)
        assert relu_correlation_map(c_star, k) == pytest.approx(c_star, abs=1e-12)


def test_he_correlations_approach_one_slowly():
    c = relu_correlations(0.0, 0.0, 50)
    assert np.all(np.diff(c) > 0) and 0.95 < c[-1] < 1.0


def test_qc_map_reduces_to_the_correlation_map_and_the_phase_diagram():
    k = -0.5
    q, c = relu_qc_map(1.0, 0.3, 2 * math.pi / (math.pi + k), k)
    assert float(q) == pytest.approx(1.0) and float(c) == pytest.approx(float(relu_correlation_map(0.3, k)))
    order, unbounded = order_chaos_boundaries(np.array([0.0, -1.0]))
    assert list(order) == [2.0, 2.0] and unbounded[0] == pytest.approx(2.0)
    s2, kk = np.meshgrid([1.5, 2.3, 3.5], [0.0, -1.0])
    q, c = phase_fixed_points(s2, kk, sigma_b2=0.1)
    assert c[0, 0] == pytest.approx(1.0, abs=1e-6)  # ordered: every input the same
    assert c[1, 1] < 0.99 and np.isfinite(q[1, 1])  # k = −1, σ_w² = 2.3 lies between 2 and 2π/(π−1): chaotic
    assert q[1, 2] > 1e10  # beyond 2π/(π+k): q diverges
