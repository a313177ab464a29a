"""Random features by least squares (sfli.rfm): ELM and the partition-of-unity RFM."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from sfli import gram_spectrum, quadrature, rank_from_spectrum, rfm
from sfli.domain import as_box
from sfli.problems import Poisson2D, Regression, sine_product_sum, sine_sum
from sfli.rfm import ACTIVATIONS, random_basis, solve

SQUARE = [(0.0, 1.0), (0.0, 1.0)]


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def in_span_target(box, n_train, n_features, counts, activation, scale, seed):
    """A target in the span of exactly the features ``solve`` will draw from ``seed`` (points first)."""
    g = gen(seed)
    Regression(lambda x: x[:, :1], box, n_train=n_train).points(g, dtype=torch.float64)  # same draws as solve
    basis = random_basis(as_box(box), n_features, counts, activation, scale, g)
    coef = torch.randn(n_features, 1, generator=gen(99), dtype=torch.float64)
    return lambda x: basis.evaluate(x) @ coef


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("method", ["elm", "pou"])
def test_exact_recovery_in_span(method, activation):
    counts = (2, 2) if method == "pou" else (1, 1)
    target = in_span_target(SQUARE, 800, 80, counts, activation, 2.0, seed=3)
    problem = Regression(target, SQUARE, n_train=800)
    res = solve(problem, method, n_features=80, subdomains=2, activation=activation, scale=2.0, generator=gen(3))
    assert res.error < 1e-8 and res.residual < 1e-8
    # a different seed draws other features: the target is no longer in the span
    other = solve(problem, method, n_features=80, subdomains=2, activation=activation, scale=2.0, generator=gen(4))
    assert other.error > 1e3 * max(res.error, 1e-14)


def test_pou_reproduces_piecewise_target_elm_does_not():
    def piecewise(x):
        return torch.where(x < 1 / 3, 1.0 + 0 * x, torch.where(x < 2 / 3, 2 * x, -x * x))

    problem = Regression(piecewise, (0.0, 1.0), n_train=600)
    pou = solve(problem, "pou", n_features=60, subdomains=3, quadrature_n=400, generator=gen(0))
    elm = solve(problem, "elm", n_features=60, quadrature_n=400, generator=gen(0))
    assert pou.error < 1e-8
    assert elm.error > 1e-2  # a jump is out of reach of 60 smooth global features


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_derivatives_match_autograd(activation):
    box = as_box([(0.0, 1.0), (-1.0, 2.0)])  # unequal sides: r_k differs per axis
    basis = random_basis(box, 24, (3, 2), activation, 3.0, gen(1))
    x = (torch.rand(40, 2, generator=gen(2), dtype=torch.float64) * torch.tensor([1.0, 3.0])
         + torch.tensor([0.0, -1.0])).requires_grad_(True)
    values = basis.evaluate(x)
    grads = torch.stack([torch.autograd.grad(values[:, j].sum(), x, create_graph=True)[0] for j in range(24)], 1)
    lap = sum(torch.stack([torch.autograd.grad(grads[:, j, i].sum(), x, retain_graph=True)[0][:, i]
                           for j in range(24)], 1) for i in range(2))
    x = x.detach()
    assert torch.allclose(basis.evaluate(x, 1), grads, atol=1e-12, rtol=1e-12)
    assert torch.allclose(basis.evaluate(x, 2), lap, atol=1e-10, rtol=1e-12)
    assert lap.abs().max() > 1.0  # not a vacuous comparison


def test_each_point_sees_only_its_cell():
    box = as_box(SQUARE)
    basis = random_basis(box, 36, (3, 3), "tanh", 1.0, gen(0))
    x, _ = quadrature(box, 30)
    cells = basis.cell(x)
    lo = basis.centres[cells] - basis.half[cells]
    hi = basis.centres[cells] + basis.half[cells]
    assert bool(((x >= lo) & (x <= hi)).all())                      # the cell contains the point
    nonzero = basis.evaluate(x) != 0
    expected = torch.zeros_like(nonzero)
    for k in range(9):
        expected[cells == k, 4 * k:4 * k + 4] = True
    assert torch.equal(nonzero, expected)                             # ψ_k are disjoint indicators
    assert torch.bincount(cells, minlength=9).min() > 0


def test_poisson_solve_is_accurate():
    problem = Poisson2D(frequencies=(1,), n_interior=1200, n_boundary=300)
    for method in ("pou", "elm"):
        res = solve(problem, method, n_features=400, subdomains=2, generator=gen(0))
        assert res.error < 1e-4, (method, res.error)


def test_poisson_pou_needs_the_interface_rows(monkeypatch):
    problem = Poisson2D(frequencies=(1,), n_interior=1200, n_boundary=300)
    original = rfm._interface_rows
    monkeypatch.setattr(rfm, "_interface_rows", lambda basis, density: tuple(0 * t for t in original(basis, density)))
    assert solve(problem, "pou", n_features=400, subdomains=2, generator=gen(0)).error > 1e-2


def test_deterministic():
    problem = Regression(sine_product_sum((1, 2)), SQUARE, n_train=500)
    for method in ("elm", "pou"):
        a = solve(problem, method, n_features=90, generator=gen(5))
        b = solve(problem, method, n_features=90, generator=gen(5))
        assert (a.error, a.residual, a.eps_rank) == (b.error, b.residual, b.eps_rank)
        assert np.array_equal(a.spectrum, b.spectrum)
        c = solve(problem, method, n_features=90, generator=gen(6))
        assert c.error != a.error


def test_result_fields_and_spectrum():
    problem = Regression(sine_product_sum((1, 2)), SQUARE, n_train=500)
    res = solve(problem, "pou", n_features=90, eps=1e-4, generator=gen(0))
    assert res.method == "pou" and res.n_features == 90 and res.seconds > 0
    assert res.spectrum.shape == (90,) and np.all(np.diff(res.spectrum) <= 0)
    assert res.eps_rank == int((res.spectrum > 1e-4).sum())
    # the spectrum is that of the Gram matrix of all basis functions on the stated quadrature
    x, w = quadrature(problem.box, 64)
    g = gen(0)
    problem.points(g, dtype=torch.float64)
    basis = random_basis(problem.box, 90, (3, 3), "tanh", 1.0, g)
    assert np.allclose(res.spectrum, gram_spectrum(basis.evaluate(x), w).numpy(), rtol=1e-10, atol=1e-14)


def test_single_cell_pou_is_the_elm():
    problem = Poisson2D(n_interior=300, n_boundary=80)
    elm = solve(problem, "elm", n_features=100, generator=gen(2))
    one = solve(problem, "pou", n_features=100, subdomains=1, generator=gen(2))
    assert elm.error == one.error and np.array_equal(elm.spectrum, one.spectrum)


def test_pou_rank_is_sum_of_cell_ranks_and_exceeds_single_cell():
    """Provable: the indicator PoU's Gram matrix is block diagonal, so its ε-rank is the sum of the cells'.
    Empirical (with a wide margin, over seeds): at the same ``scale``, 3 cells × 20 features have a higher
    ε-rank than 1 cell × 60 — each local feature is 3× sharper in physical coordinates."""
    problem = Regression(sine_sum((1, 2, 4)), (0.0, 1.0), n_train=300)
    x, w = quadrature(problem.box, 400)
    for seed in range(4):
        for activation in ("tanh", "cos"):
            kw = dict(n_features=60, activation=activation, quadrature_n=400, generator=gen(seed))
            three = solve(problem, "pou", subdomains=3, **kw)
            kw["generator"] = gen(seed)
            one = solve(problem, "pou", subdomains=1, **kw)
            assert three.eps_rank >= 2 * one.eps_rank, (seed, activation, three.eps_rank, one.eps_rank)
            g = gen(seed)
            problem.points(g, dtype=torch.float64)
            phi = random_basis(problem.box, 60, (3,), activation, 1.0, g).evaluate(x)
            blocks = sum(rank_from_spectrum(gram_spectrum(phi[:, 20 * k:20 * k + 20], w)) for k in range(3))
            assert three.eps_rank == blocks


def test_bad_inputs():
    problem = Regression(sine_product_sum((1,)), SQUARE, n_train=100)
    with pytest.raises(ValueError, match="unknown method 'rfm'; valid: elm, pou"):
        solve(problem, "rfm")
    with pytest.raises(ValueError, match="unknown activation 'relu'.*valid: tanh, sin, cos"):
        solve(problem, activation="relu")
    with pytest.raises(ValueError, match="does not split evenly over 9 subdomains.*multiple of 9"):
        solve(problem, "pou", n_features=100)
    for bad in (0, -9, 2.5, True):
        with pytest.raises(ValueError, match="n_features must be a positive integer"):
            solve(problem, "elm", n_features=bad)
    for bad in (0, (3,), (3, 0), (2, 2.0)):
        with pytest.raises(ValueError, match="subdomains must be"):
            solve(problem, "pou", n_features=36, subdomains=bad)
    for bad in (0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="scale must be"):
            solve(problem, scale=bad)
    with pytest.raises(ValueError, match="eps must be"):
        solve(problem, eps=0)
    with pytest.raises(ValueError, match="n_collocation"):
        solve(problem, n_collocation=0)
    with pytest.raises(ValueError, match="quadrature_n must be a positive integer"):
        solve(problem, quadrature_n=0)
    with pytest.raises(TypeError, match="Regression or a Poisson2D"):
        solve("poisson")
    with pytest.warns(UserWarning, match="raise quadrature_n"):
        solve(Regression(sine_sum((1,)), (0.0, 1.0), n_train=100), n_features=90, quadrature_n=64)


def test_n_collocation_sets_the_rows():
    reg = Regression(sine_product_sum((1,)), SQUARE, n_train=50)
    # 50 points cannot pin down 200 features; 2000 points can
    few = solve(reg, "elm", n_features=200, scale=4.0, generator=gen(0))
    many = solve(reg, "elm", n_features=200, scale=4.0, n_collocation=2000, generator=gen(0))
    assert many.error < 1e-3 < few.error
