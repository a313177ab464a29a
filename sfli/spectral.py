r"""Error per frequency band: where in the spectrum a fit's residual lives (spectral bias).

A function g on a box Ω = Π_i [a_i, a_i + L_i] is sampled on the cell-centred uniform grid of n points per axis and
expanded in the orthonormal cosine basis (DCT-II, the Fourier basis of g's even extension, so the box's edges add
no artificial jump):

    g(x) ≈ Σ_j ĝ_j Π_i cos(π j_i (x_i − a_i) / L_i),   Σ_j ĝ_j² = Σ_grid g²  (Parseval).

Mode j has angular frequency π |k| with k_i = j_i / L_i — the units of the book's targets, where sin(kπx) has
frequency k. A band is a range [k_lo, k_hi) of |k|. The **band error** of an approximation u of a target f is

    e_B = ( Σ_{j ∈ B} (û_j − f̂_j)² / Σ_{j ∈ B} f̂_j² )^{1/2},

the relative L² error of the part of the residual in band B (for a band where the target has no energy the
denominator is the target's total energy instead, so e_B stays a relative error).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
from scipy.fft import dctn

from .domain import DomainLike, as_box


def uniform_grid(domain: DomainLike, n: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The cell-centred grid of ``n`` points per axis of the box (nᵈ × d, C order: the last axis fastest)."""
    box = as_box(domain)
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an integer ≥ 2 (points per axis), got {n!r}")
    axes = [a + (b - a) * (np.arange(n) + 0.5) / n for a, b in zip(box.lower, box.upper)]
    grid = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    return torch.as_tensor(grid, dtype=dtype)


def wavenumbers(domain: DomainLike, n: int) -> np.ndarray:
    """|k| of every cosine mode (an array of shape (n,)*d): k_i = j_i / L_i, j_i = 0 … n − 1."""
    box = as_box(domain)
    per_axis = [np.arange(n) / (b - a) for a, b in zip(box.lower, box.upper)]
    mesh = np.meshgrid(*per_axis, indexing="ij")
    return np.sqrt(sum(k**2 for k in mesh))


def cosine_coefficients(values: np.ndarray | torch.Tensor, dim: int) -> np.ndarray:
    """Orthonormal DCT-II coefficients of grid ``values`` (nᵈ, in :func:`uniform_grid`'s order)."""
    v = np.asarray(values.detach().cpu() if isinstance(values, torch.Tensor) else values, dtype=np.float64).ravel()
    n = round(v.size ** (1.0 / dim))
    if n**dim != v.size:
        raise ValueError(f"{v.size} values are not a {dim}-D grid of n points per axis")
    return dctn(v.reshape((n,) * dim), type=2, norm="ortho")


def check_edges(edges: Sequence[float]) -> list[float]:
    """Band edges as floats: increasing, the first ≥ 0; the last may be ``inf``."""
    out = [float(e) for e in edges]
    if len(out) < 2 or out[0] < 0 or any(b <= a for a, b in zip(out, out[1:])):
        raise ValueError(f"band edges must be at least two increasing numbers ≥ 0, got {list(edges)!r}")
    return out


def band_energies(coefficients: np.ndarray, k: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Σ ĝ_j² over the modes with |k_j| in each band [edges[b], edges[b+1])."""
    edges = check_edges(edges)
    c2, k = coefficients.ravel() ** 2, k.ravel()
    return np.array([c2[(k >= lo) & (k < hi)].sum() for lo, hi in zip(edges, edges[1:])])


class BandError:
    """Band errors e_B of a model against a fixed target on a fixed grid (the target's spectrum computed once).

    ``BandError(target, domain, n, edges)(model)`` → ``{"band_0": e_0, …}``; usable as :func:`sfli.train.fit`'s
    ``probe``.
    """

    def __init__(self, target, domain: DomainLike, n: int, edges: Sequence[float]) -> None:
        self.box, self.edges = as_box(domain), check_edges(edges)
        self.x = uniform_grid(self.box, n)
        self.k = wavenumbers(self.box, n)
        self.f_hat = cosine_coefficients(target(self.x), self.box.dim)
        energy = band_energies(self.f_hat, self.k, self.edges)
        total = float((self.f_hat**2).sum())
        if total <= 0:
            raise ValueError("the target is zero on the grid: band errors are not defined")
        self.denominators = np.where(energy > 1e-12 * total, energy, total)

    @property
    def names(self) -> list[str]:
        return [f"band_{b}" for b in range(len(self.edges) - 1)]

    def errors(self, values: np.ndarray | torch.Tensor) -> dict[str, float]:
        """Band errors of grid ``values`` of an approximation."""
        residual = cosine_coefficients(values, self.box.dim) - self.f_hat
        e = np.sqrt(band_energies(residual, self.k, self.edges) / self.denominators)
        return {name: float(v) for name, v in zip(self.names, e)}

    def __call__(self, model: torch.nn.Module) -> dict[str, float]:
        p = next(model.parameters())
        with torch.no_grad():
            u = model(self.x.to(device=p.device, dtype=p.dtype))
        return self.errors(u[:, 0].to(torch.float64))


def band_labels(edges: Sequence[float]) -> list[str]:
    """Readable band names: "k < 1.5", "1.5 ≤ k < 3.5", …, "k ≥ 7.5"."""
    edges = check_edges(edges)
    out = []
    for lo, hi in zip(edges, edges[1:]):
        if lo == 0:
            out.append(f"k < {hi:g}")
        elif math.isinf(hi):
            out.append(f"k ≥ {lo:g}")
        else:
            out.append(f"{lo:g} ≤ k < {hi:g}")
    return out
