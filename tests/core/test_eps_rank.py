"""The Gram matrix and ε-rank (sfli.eps_rank) against known answers, and chapter 1's experiment module."""
from __future__ import annotations

import doctest
import importlib

import mpmath
import numpy as np
import pytest
import torch

from sfli import eps_rank, gram, gram_spectrum, quadrature, rank_from_spectrum

EPS_LIST = [1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10]


def exact_hilbert_eigs(size: int) -> np.ndarray:
    """Eigenvalues (descending) of the size×size Hilbert matrix 1/(i+j+1), at 50 digits."""
    with mpmath.workdps(50):
        h = mpmath.matrix([[mpmath.mpf(1) / (i + j + 1) for j in range(size)] for i in range(size)])
        return np.sort([float(v) for v in mpmath.eigsy(h, eigvals_only=True)])[::-1]


def monomials(size: int, nodes: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    x, w = quadrature((0.0, 1.0), nodes)
    return x ** torch.arange(size, dtype=torch.float64), w


def legendre(n: int, nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    x, w = quadrature((-1.0, 1.0), nodes)
    v = np.polynomial.legendre.legvander(x[:, 0].numpy(), n - 1) * np.sqrt((2 * np.arange(n) + 1) / 2)
    return torch.from_numpy(v), w


def tanh_features(n: int = 12, nodes: int = 256, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x, w = quadrature((-1.0, 1.0), nodes)
    a = 3 * torch.randn(1, n, generator=g, dtype=torch.float64)
    b = torch.randn(n, generator=g, dtype=torch.float64)
    return torch.tanh(x @ a + b), w


# ---------------------------------------------------------------- known answers

@pytest.mark.parametrize("size", [1, 2, 4, 6, 8, 10])
def test_hilbert_eps_rank_matches_exact_spectrum(size):
    phi, w = monomials(size)
    exact = exact_hilbert_eigs(size)
    for method in ("eigh", "svd"):
        for eps in EPS_LIST:
            assert eps_rank(phi, w, eps=eps, method=method) == int((exact > eps).sum()), (method, eps)


def test_hilbert_eigenvalues_accurate_above_1e_10():
    phi, w = monomials(10)
    exact = exact_hilbert_eigs(10)
    keep = exact > 1e-10
    for method in ("eigh", "svd"):
        lam = gram_spectrum(phi, w, method).numpy()
        assert np.all(np.abs(lam[keep] - exact[keep]) / exact[keep] < 1e-4), method
    assert gram(phi, w)[2, 3].item() == pytest.approx(1 / 6, rel=1e-14)  # M_ij = 1/(i+j+1)


def test_svd_resolves_below_eigh_floor():
    phi, w = monomials(16)
    exact = exact_hilbert_eigs(16)  # λ_min ≈ 1e-22, far below u·λ_max ≈ 2e-16
    svd, eigh = gram_spectrum(phi, w, "svd").numpy(), gram_spectrum(phi, w, "eigh").numpy()
    assert abs(svd[-1] - exact[-1]) / exact[-1] < 1e-2
    assert abs(eigh[-1] - exact[-1]) / exact[-1] > 1  # below eigh's floor: rounding noise


def test_legendre_gram_is_identity():
    phi, w = legendre(20, 40)
    np.testing.assert_allclose(gram(phi, w).numpy(), np.eye(20), atol=1e-12)
    lam = gram_spectrum(phi, w)
    assert torch.all((lam - 1).abs() < 1e-12)
    assert eps_rank(phi, w, eps=0.999) == 20


def test_legendre_rank_limited_by_quadrature_nodes():
    phi, w = legendre(20, 8)
    for eps in EPS_LIST:
        assert eps_rank(phi, w, eps=eps) == 8


def test_gram_raw_integral_on_box():
    x, w = quadrature((0.0, 2.0), 8)
    phi = torch.cat([torch.ones_like(x), x], 1)  # ∫_0^2 1 = 2, ∫ x = 2, ∫ x² = 8/3
    np.testing.assert_allclose(gram(phi, w).numpy(), [[2, 2], [2, 8 / 3]], rtol=1e-13)


# ---------------------------------------------------------------- invariances and structure

def test_invariant_to_neuron_permutation():
    phi, w = tanh_features()
    perm = torch.randperm(phi.shape[1], generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(gram_spectrum(phi[:, perm], w), gram_spectrum(phi, w), rtol=1e-10, atol=1e-12)
    for eps in EPS_LIST:
        assert eps_rank(phi[:, perm], w, eps=eps) == eps_rank(phi, w, eps=eps)


def test_invariant_to_point_order():
    phi, w = tanh_features()
    perm = torch.randperm(phi.shape[0], generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(gram(phi[perm], w[perm]), gram(phi, w), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("q", [1, 3, 5])
def test_duplicated_neurons_lower_rank(q):
    phi, w = legendre(12, 24)  # ε-independent base: all eigenvalues 1
    dup = phi.clone()
    dup[:, :q] = phi[:, q : 2 * q]  # q neurons replaced by copies of others
    assert eps_rank(phi, w) == 12
    assert eps_rank(dup, w) == 12 - q
    assert eps_rank(torch.cat([phi, phi[:, :q]], 1), w) == 12  # appended copies add nothing


def test_near_duplicate_eigenvalue_scales_like_delta_squared():
    x, w = quadrature((-1.0, 1.0), 256)
    lams = []
    for delta in (1e-4, 1e-3):
        pair = torch.cat([torch.tanh(2 * x), torch.tanh(2 * (1 + delta) * x)], 1)  # tanh(2x) and a near copy
        lams.append(gram_spectrum(pair, w, "svd")[-1].item())
    assert lams[1] / lams[0] == pytest.approx(100, rel=0.05)
    assert eps_rank(pair, w) == 1


def test_weights_none_means_equal_weights_summing_to_one():
    phi, _ = tanh_features(nodes=50)
    equal = torch.full((50,), 1 / 50, dtype=torch.float64)
    torch.testing.assert_close(gram(phi), gram(phi, equal))
    assert gram(torch.ones(50, 1)).item() == pytest.approx(1.0)


def test_eigh_and_svd_agree():
    phi, w = tanh_features(n=20)
    lam_eigh, lam_svd = gram_spectrum(phi, w, "eigh"), gram_spectrum(phi, w, "svd")
    assert torch.all(lam_eigh[:-1] >= lam_eigh[1:])  # descending
    torch.testing.assert_close(lam_eigh, lam_svd, rtol=0, atol=1e-12 * lam_eigh[0].item())
    for eps in EPS_LIST:
        assert eps_rank(phi, w, eps=eps, method="eigh") == eps_rank(phi, w, eps=eps, method="svd")


def test_rank_counts_strictly_greater_than_eps():
    lam = torch.tensor([1.0, 1e-3, 1e-4])
    assert rank_from_spectrum(lam, 1e-3) == 1
    assert rank_from_spectrum(np.array([2.0, 0.5, 0.0]), 0.1) == 2


def test_accepts_numpy_and_float32():
    phi, w = tanh_features()
    assert eps_rank(phi.numpy(), w.numpy()) == eps_rank(phi, w)
    assert eps_rank(phi.float(), w) == eps_rank(phi, w)
    assert gram(phi.float(), w).dtype == torch.float64


def test_docstring_examples():
    assert doctest.testmod(importlib.import_module("sfli.eps_rank")).failed == 0


# ---------------------------------------------------------------- bad inputs

@pytest.mark.parametrize("features, weights, match", [
    (torch.ones(10), None, "N×n"),
    (torch.ones(10, 3, 2), None, "N×n"),
    (torch.ones(0, 3), None, "at least one"),
    (torch.tensor([[1.0, float("nan")], [0.0, 1.0]]), None, "NaN"),
    (torch.tensor([[1.0, float("inf")], [0.0, 1.0]]), None, "NaN or inf"),
    (torch.ones(10, 3), torch.ones(9), "weights"),
    (torch.ones(10, 3), -torch.ones(10), "non-negative"),
])
def test_bad_features_or_weights_raise(features, weights, match):
    for fn in (gram, gram_spectrum, eps_rank):
        with pytest.raises(ValueError, match=match):
            fn(features, weights)


@pytest.mark.parametrize("eps", [0, 0.0, -1e-3, float("nan"), "1e-3", None])
def test_bad_eps_raises(eps):
    with pytest.raises(ValueError, match="eps"):
        eps_rank(torch.eye(3), eps=eps)


def test_unknown_method_raises():
    with pytest.raises(ValueError, match="eigh"):
        eps_rank(torch.eye(3), method="qr")
