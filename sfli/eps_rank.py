r"""The Gram matrix of neuron functions and its ε-rank.

For n neuron functions φ_1, …, φ_n on Ω sampled at quadrature points x_1, …, x_N with weights w,

.. math::  M_{ij} = \int_\Omega φ_i φ_j \,dx ≈ \sum_k w_k φ_i(x_k) φ_j(x_k),  i.e.  M = Φ^T \operatorname{diag}(w) Φ,

and the ε-rank is r_ε = #{λ ∈ spec(M) : λ > ε}. The functions are ε-linearly independent when r_ε = n.

How the spectrum is computed, and why. ``method="eigh"`` (default) forms M = BᵀB with B = diag(√w)Φ in
float64 and calls the symmetric eigensolver: N·n² + O(n³) flops, BLAS-3 throughout, faster than an SVD of
the tall N×n matrix B (1.7× measured for n = 2048, N = 10⁵ on a 2-core CPU; chapter 1 records the ratio). Its absolute eigenvalue error is ≈ u·‖M‖ (u = 1.1e-16), so every eigenvalue
above ε is resolved as long as ε ≫ 1e-13·λ_max — true for every ε the book uses. ``method="svd"`` returns σ²
of B, whose absolute error is ≈ u·σ_max·σ: use it only to resolve eigenvalues far below 1e-13·λ_max (e.g. the
tail of a Hilbert matrix). Both run on the features' device (a GPU when they are there).
"""
from __future__ import annotations

import numpy as np
import torch

ArrayLike = torch.Tensor | np.ndarray

DEFAULT_EPS = 1e-3


def _as_features(features: ArrayLike, weights: ArrayLike | None) -> tuple[torch.Tensor, torch.Tensor]:
    phi = torch.as_tensor(features).detach()
    if phi.ndim != 2:
        raise ValueError(f"features must be N×n (points × neurons), got shape {tuple(phi.shape)}")
    phi = phi.to(torch.float64)
    n_points = phi.shape[0]
    if n_points == 0 or phi.shape[1] == 0:
        raise ValueError(f"features must have at least one point and one neuron, got shape {tuple(phi.shape)}")
    if weights is None:
        w = torch.full((n_points,), 1.0 / n_points, dtype=torch.float64, device=phi.device)
    else:
        w = torch.as_tensor(weights).detach().to(device=phi.device, dtype=torch.float64).reshape(-1)
        if w.shape[0] != n_points:
            raise ValueError(f"{w.shape[0]} weights for {n_points} points; need one weight per point")
        if not bool(torch.all(w >= 0)):
            raise ValueError("quadrature weights must be non-negative")
    if not bool(torch.isfinite(phi).all()):
        raise ValueError("features contain NaN or inf (a diverged network?)")
    return phi, w


def gram(features: ArrayLike, weights: ArrayLike | None = None) -> torch.Tensor:
    """Gram matrix M = Φᵀ diag(w) Φ (n×n, float64) of the n columns of ``features`` (N×n).

    ``weights`` are quadrature weights (N); None means equal weights 1/N (summing to 1).
    """
    phi, w = _as_features(features, weights)
    b = phi * w.sqrt()[:, None]
    return b.T @ b


def gram_spectrum(features: ArrayLike, weights: ArrayLike | None = None, method: str = "eigh") -> torch.Tensor:
    """Eigenvalues of the Gram matrix, in descending order (float64). See the module docstring for ``method``."""
    if method == "eigh":
        eig = torch.linalg.eigvalsh(gram(features, weights))
    elif method == "svd":
        phi, w = _as_features(features, weights)
        eig = torch.linalg.svdvals(phi * w.sqrt()[:, None]) ** 2
    else:
        raise ValueError(f"unknown method {method!r}; valid: 'eigh', 'svd'")
    return torch.sort(eig, descending=True).values


def rank_from_spectrum(eigenvalues: ArrayLike, eps: float = DEFAULT_EPS) -> int:
    """Number of eigenvalues strictly greater than ε."""
    if not (isinstance(eps, (int, float)) and eps > 0):
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    return int((torch.as_tensor(eigenvalues) > eps).sum())


def eps_rank(
    features: ArrayLike, weights: ArrayLike | None = None, eps: float = DEFAULT_EPS, method: str = "eigh"
) -> int:
    """ε-rank r_ε = #{λ(M) > ε} of the neuron functions in the columns of ``features`` (N×n).

    >>> x = torch.linspace(0, 1, 1001)[:, None]
    >>> eps_rank(torch.cat([x, x, 1 + 0 * x], 1), eps=1e-3)   # x, x, 1: two independent functions
    2
    """
    return rank_from_spectrum(gram_spectrum(features, weights, method), eps)
