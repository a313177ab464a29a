"""Quadrature rules on boxes (sfli.quadrature): weights, exactness, the QMC rule, and input validation."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from sfli import quadrature
from sfli.quadrature import MAX_TENSOR_DIM

BOXES = {
    1: [(0.0, 2.0)],
    2: [(-1.0, 1.0), (0.0, 3.0)],
    3: [(0.0, 1.0), (-2.0, 0.5), (1.0, 1.5)],
    4: [(0.0, 1.0)] * 3 + [(-1.0, 2.0)],
    5: [(-1.0, 1.0)] * 4 + [(0.0, 0.25)],
}


def volume(box) -> float:
    return math.prod(b - a for a, b in box)


@pytest.mark.parametrize("d", sorted(BOXES))
def test_weights_sum_to_volume_and_points_inside(d):
    box = BOXES[d]
    x, w = quadrature(box, 6)
    assert x.shape == (len(w), d)
    assert len(w) == (6**d if d <= MAX_TENSOR_DIM else 6)
    assert w.sum().item() == pytest.approx(volume(box), rel=1e-13)
    assert torch.all(w > 0)
    lower, upper = torch.tensor([a for a, _ in box]), torch.tensor([b for _, b in box])
    assert torch.all((x >= lower) & (x <= upper))
    assert x.dtype == w.dtype == torch.float64


@pytest.mark.parametrize("d", sorted(BOXES))
@pytest.mark.parametrize("rule", ["gauss", "qmc"])
def test_both_rules_sum_to_volume(d, rule):
    _, w = quadrature(BOXES[d], 3, rule=rule)
    assert len(w) == (3**d if rule == "gauss" else 3)
    assert w.sum().item() == pytest.approx(volume(BOXES[d]), rel=1e-13)


def test_interval_given_as_pair():
    x, w = quadrature((0.0, 2.0), 5)
    assert x.shape == (5, 1)
    assert w.sum().item() == pytest.approx(2.0)


@pytest.mark.parametrize("n", [1, 2, 5, 10])
def test_gauss_legendre_exact_to_degree_2n_minus_1(n):
    a, b = -0.5, 2.0
    x, w = quadrature((a, b), n)
    for k in range(2 * n):
        exact = (b ** (k + 1) - a ** (k + 1)) / (k + 1)
        assert (w * x[:, 0] ** k).sum().item() == pytest.approx(exact, rel=1e-12, abs=1e-12), k
    k = 2 * n  # one degree too many: no longer exact
    exact = (b ** (k + 1) - a ** (k + 1)) / (k + 1)
    assert abs((w * x[:, 0] ** k).sum().item() - exact) > 1e-11 * abs(exact)


def test_tensor_gauss_exact_in_each_variable():
    box = [(0.0, 1.0), (-1.0, 2.0), (0.5, 1.0)]
    x, w = quadrature(box, 4)  # exact to degree 7 per variable
    powers = (7, 3, 6)
    exact = math.prod((b ** (p + 1) - a ** (p + 1)) / (p + 1) for (a, b), p in zip(box, powers))
    value = (w * math.prod(x[:, i] ** p for i, p in enumerate(powers))).sum().item()
    assert value == pytest.approx(exact, rel=1e-12)


def test_qmc_above_three_dimensions():
    box = [(0.0, 1.0)] * 4
    x, w = quadrature(box, 4096)
    assert x.shape == (4096, 4)
    assert torch.allclose(w, torch.full_like(w, 1 / 4096))  # equal weights |Ω|/N
    assert (w * (x**2).sum(1)).sum().item() == pytest.approx(4 / 3, rel=1e-3)  # ∫ Σ x_i² = 4/3
    x_gauss, _ = quadrature(box, 2, rule="gauss")  # a tensor grid can still be asked for
    assert x_gauss.shape == (16, 4)


def test_qmc_seeded():
    box = [(0.0, 1.0)] * 4
    a, _ = quadrature(box, 64, seed=1)
    b, _ = quadrature(box, 64, seed=1)
    c, _ = quadrature(box, 64, seed=2)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_dtype():
    x, w = quadrature((0.0, 1.0), 4, dtype=torch.float32)
    assert x.dtype == w.dtype == torch.float32


@pytest.mark.parametrize("domain", [
    (1.0, 1.0),  # empty
    (2.0, 1.0),  # inverted
    [(0.0, 1.0), (3.0, -3.0)],
    (0.0, math.inf),
    (-math.inf, 0.0),
    (0.0, math.nan),
    [],
    [(0.0, 1.0, 2.0)],
    "unit",
])
def test_bad_domain_raises(domain):
    with pytest.raises(ValueError):
        quadrature(domain, 4)


@pytest.mark.parametrize("n", [0, -3, 2.5, "8", None])
def test_bad_n_raises(n):
    with pytest.raises(ValueError, match="n must be a positive integer"):
        quadrature((0.0, 1.0), n)


def test_numpy_integer_n_and_unknown_rule():
    x, _ = quadrature((0.0, 1.0), np.int64(3))
    assert x.shape == (3, 1)
    with pytest.raises(ValueError, match="rule"):
        quadrature((0.0, 1.0), 3, rule="trapezoid")
