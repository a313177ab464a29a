"""Quadrature rules on box domains: ∫_Ω f(x) dx ≈ Σ_j w_j f(x_j), with Σ_j w_j = |Ω|."""
from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from scipy.special import roots_legendre
from scipy.stats import qmc

from .domain import DomainLike, as_box

#: Tensor Gauss–Legendre grids are used up to this dimension; quasi-Monte Carlo above.
MAX_TENSOR_DIM = 3


def quadrature(
    domain: DomainLike,
    n: int,
    *,
    rule: str = "auto",
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Points (N×d) and weights (N) of a quadrature rule on a box Ω.

    ``rule="auto"``: for d ≤ 3 a tensor Gauss–Legendre grid with ``n`` nodes per axis (N = nᵈ,
    exact for polynomials of degree ≤ 2n−1 in each variable); for d > 3 a scrambled Sobol
    quasi-Monte Carlo set of N = n points with equal weights |Ω|/N. ``rule="gauss"`` or ``"qmc"``
    forces one of them. Weights sum to |Ω|, the raw integral (not the mean over Ω).
    """
    box = as_box(domain)
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if rule == "auto":
        rule = "gauss" if box.dim <= MAX_TENSOR_DIM else "qmc"
    if rule == "gauss":
        nodes, weights = roots_legendre(int(n))  # O(n) asymptotic/Newton; numpy's leggauss is O(n³)
        axes = [(a + b) / 2 + (b - a) / 2 * nodes for a, b in zip(box.lower, box.upper)]
        axis_w = [(b - a) / 2 * weights for a, b in zip(box.lower, box.upper)]
        x = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
        w = math.prod(np.meshgrid(*axis_w, indexing="ij")).ravel()
    elif rule == "qmc":
        sampler = qmc.Sobol(box.dim, scramble=True, seed=seed)
        with warnings.catch_warnings():  # balance properties want n = 2^k; any n is fine here
            warnings.simplefilter("ignore", UserWarning)
            u = sampler.random(int(n))
        x = qmc.scale(u, box.lower, box.upper)
        w = np.full(int(n), box.volume / int(n))
    else:
        raise ValueError(f"unknown quadrature rule {rule!r}; valid: 'auto', 'gauss', 'qmc'")
    return torch.as_tensor(x, dtype=dtype), torch.as_tensor(w, dtype=dtype)
