r"""Random features solved by linear least squares: a global extreme learning machine (ELM) and the random
feature method with a partition of unity (RFM, in the style of Chen, Chi, E and Yang, 2022).

Both represent u(x) = Σ_k ψ_k(x) Σ_j c_kj φ_kj(x) with fixed random inner weights; only the c_kj are solved for.

* Subdomains. ``"pou"`` splits the box Ω into n_1 × … × n_d equal boxes Ω_k (``subdomains``) with centre c_k and
  half-widths r_k; ``"elm"`` is the single box Ω itself (K = 1). ψ_k = 1 on Ω_k and 0 elsewhere (the indicator
  partition of unity — one of the RFM's choices; no smooth PoU here. Cells are half-open, the last closed).
* Local features, on coordinates normalized to [−1, 1]^d:  x̃ = (x − c_k) / r_k,  z = w_kj·x̃ + b_kj,
  φ_kj(x) = σ(z), with every entry of w_kj and b_kj uniform on [−scale·R, scale·R], R = 1 [ours: R is fixed
  relative to the (sub)domain through the normalization, so the same rule serves the ELM and every subdomain;
  ``scale`` is the knob, and a sweep over it belongs with every comparison]. The same J = n_features / K
  features per subdomain; one draw of K·J·(d + 1) uniforms from ``generator`` (so "pou" with one subdomain
  *is* the ELM).
* Derivatives, analytic: ∂_i φ = σ'(z) w_i / r_i,  Δφ = σ''(z) Σ_i w_i² / r_i²  (tanh'' = −2 tanh·sech²,
  sin'' = −sin, cos'' = −cos).
* Least squares. Regression: rows u(x_j) = y_j at the problem's training points, weight 1/√N (no continuity
  rows: a "pou" fit of data is piecewise, discontinuous across the cell faces).
  Poisson2D: rows Δu(x_i) = −f(x_i) with weight 1/√N_int and u(x_b) = g(x_b) with weight √(λ/N_bd) — the
  problem's own PINN loss, which "elm" minimises exactly over c. For "pou" also interface rows:
  at points p on each face between neighbours k and l, u_k(p) − u_l(p) = 0 and r·(∂_n u_k − ∂_n u_l)(p) = 0
  (r the half-width across the face, making both rows dimensionless), weight √(λ/N_if), with equispaced
  points at the boundary points' density [ours] — C¹ continuity in the least-squares sense, as in the RFM.
  Columns are scaled to unit norm, then ``torch.linalg.lstsq`` (float64, driver ``gelsd``: SVD-based,
  minimum-norm, robust to the numerical rank deficiency of random features) [ours].
* Diagnostics on the tensor Gauss rule ``quadrature(problem.box, quadrature_n)``: the relative L2 error
  ‖u − u*‖/‖u*‖ and the Gram matrix M = ∫ Φ_a Φ_b of all n basis functions ψ_k φ_kj (raw integral), with its
  spectrum and ε-rank. With the indicator PoU, M is block diagonal. The global Gauss rule integrates
  across the subdomain edges without seeing them: the Gram entries carry an O(1/quadrature_n) quadrature error.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch

from .domain import Box
from .eps_rank import gram_spectrum, rank_from_spectrum
from .problems import Poisson2D, Regression
from .quadrature import quadrature

Fn = Callable[[torch.Tensor], torch.Tensor]
METHODS = ("elm", "pou")


def _tanh_d1(z: torch.Tensor) -> torch.Tensor:
    return 1 - torch.tanh(z) ** 2


def _tanh_d2(z: torch.Tensor) -> torch.Tensor:
    t = torch.tanh(z)
    return -2 * t * (1 - t * t)


#: σ, σ', σ'' for the activations the least-squares solvers support.
ACTIVATIONS: dict[str, tuple[Fn, Fn, Fn]] = {
    "tanh": (torch.tanh, _tanh_d1, _tanh_d2),
    "sin": (torch.sin, torch.cos, lambda z: -torch.sin(z)),
    "cos": (torch.cos, lambda z: -torch.sin(z), lambda z: -torch.cos(z)),
}


@dataclass
class RFMResult:
    """What :func:`solve` returns (see the module docstring for the definitions)."""

    method: str            # "elm" or "pou"
    n_features: int        # total number of basis functions
    error: float           # relative L2 error on the quadrature of the domain
    eps_rank: int          # ε-rank of the Gram matrix of all basis functions ψ_k φ_kj
    spectrum: np.ndarray   # eigenvalues of that Gram matrix, descending
    residual: float        # relative residual ‖Ac − y‖/‖y‖ of the (row-weighted) least-squares system
    seconds: float         # wall time of assembling + solving


@dataclass
class RandomBasis:
    """The n = K·J functions ψ_k(x) σ(w_kj·(x − c_k)/r_k + b_kj) on a box split into ``counts`` cells per axis."""

    box: Box
    counts: tuple[int, ...]      # cells per axis (all 1: a single global basis)
    activation: str
    weights: torch.Tensor        # K × J × d, in normalized coordinates
    biases: torch.Tensor         # K × J
    centres: torch.Tensor        # K × d
    half: torch.Tensor           # K × d half-widths

    @property
    def n_features(self) -> int:
        return self.biases.numel()

    @property
    def per_cell(self) -> int:
        return self.biases.shape[1]

    def cell(self, x: torch.Tensor) -> torch.Tensor:
        """Index k (N) of the cell that contains each point (row-major over the axes, as ``centres``)."""
        lo = torch.tensor(self.box.lower, dtype=torch.float64)
        width = torch.tensor(self.box.upper, dtype=torch.float64) - lo
        counts = torch.tensor(self.counts)
        idx = torch.floor((x.to(torch.float64) - lo) / width * counts).long()
        idx = torch.minimum(idx.clamp_min(0), counts - 1)
        strides = torch.tensor([math.prod(self.counts[i + 1:]) for i in range(len(self.counts))])
        return (idx * strides).sum(dim=1)

    def evaluate(self, x: torch.Tensor, order: int = 0, cell: torch.Tensor | None = None) -> torch.Tensor:
        """Values (order 0, N×n), gradients (order 1, N×n×d) or Laplacians (order 2, N×n) of all n functions.

        ``cell`` (N) overrides which cell's features a point sees (the one that contains it by default);
        interface rows use it to read a function from either side of a face.
        """
        x = x.to(torch.float64)
        k = self.cell(x) if cell is None else cell
        w, b, c, r = self.weights[k], self.biases[k], self.centres[k], self.half[k]   # N×J×d, N×J, N×d, N×d
        z = torch.einsum("nd,njd->nj", (x - c) / r, w) + b
        sigma = ACTIVATIONS[self.activation][order]
        if order == 0:
            local = sigma(z)
        elif order == 1:
            local = sigma(z)[:, :, None] * w / r[:, None, :]
        elif order == 2:
            local = sigma(z) * (w**2 / r[:, None, :] ** 2).sum(-1)
        else:
            raise ValueError(f"order must be 0, 1 or 2, got {order!r}")
        out = torch.zeros((x.shape[0], self.n_features, *local.shape[2:]), dtype=torch.float64)
        cols = k[:, None] * self.per_cell + torch.arange(self.per_cell)           # N×J: columns of x's cell
        index = cols.view(*cols.shape, *([1] * (local.ndim - 2))).expand_as(local)
        return out.scatter_(1, index, local)


def random_basis(box: Box, n_features: int, counts: tuple[int, ...], activation: str = "tanh",
                 scale: float = 1.0, generator: torch.Generator | None = None) -> RandomBasis:
    """Draw the random basis: ``n_features / K`` features on each of the K = Π counts cells (see the module)."""
    K = math.prod(counts)
    J, d = n_features // K, box.dim
    u = torch.rand(K, J, d + 1, generator=generator, dtype=torch.float64)
    params = (2 * u - 1) * scale                               # uniform on [−scale·R, scale·R], R = 1
    lo, hi = np.array(box.lower), np.array(box.upper)
    h = (hi - lo) / np.array(counts)
    grid = np.stack([g.ravel() for g in np.meshgrid(*[np.arange(n) for n in counts], indexing="ij")], 1)
    centres = torch.as_tensor(lo + (grid + 0.5) * h)
    half = torch.as_tensor(np.broadcast_to(h / 2, grid.shape).copy())
    return RandomBasis(box, tuple(counts), activation, params[..., :d].contiguous(), params[..., d].contiguous(),
                       centres, half)


def _interface_rows(basis: RandomBasis, density: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Value and scaled normal-derivative jump rows at equispaced points on every interior face."""
    lo, hi, counts = np.array(basis.box.lower), np.array(basis.box.upper), basis.counts
    h = (hi - lo) / np.array(counts)
    rows_v, rows_d = [], []
    for axis in range(len(counts)):
        others = [i for i in range(len(counts)) if i != axis]
        q = [max(2, round(density * h[i])) for i in others]    # points per face side, at the given density
        for cut in range(1, counts[axis]):
            axes = [(lo[i] + (np.arange(counts[i] * n) + 0.5) * h[i] / n) for i, n in zip(others, q)]
            mesh = np.meshgrid(*axes, indexing="ij") if axes else []
            pts = np.empty((int(np.prod([len(a) for a in axes])) if axes else 1, len(counts)))
            for i, m in zip(others, mesh):
                pts[:, i] = m.ravel()
            pts[:, axis] = lo[axis] + cut * h[axis]
            p = torch.as_tensor(pts)
            nudge = torch.zeros(len(counts), dtype=torch.float64)
            nudge[axis] = 0.5 * h[axis]
            left, right = basis.cell(p - nudge), basis.cell(p + nudge)
            rows_v.append(basis.evaluate(p, 0, left) - basis.evaluate(p, 0, right))
            jump = basis.evaluate(p, 1, left)[..., axis] - basis.evaluate(p, 1, right)[..., axis]
            rows_d.append(jump * (h[axis] / 2))
    return torch.cat(rows_v), torch.cat(rows_d)


def _counts(subdomains: int | tuple[int, ...], dim: int) -> tuple[int, ...]:
    counts = (subdomains,) * dim if isinstance(subdomains, (int, np.integer)) else tuple(subdomains)
    if len(counts) != dim or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1
                                 for n in counts):
        raise ValueError(f"subdomains must be a positive integer or a tuple of {dim} positive integers "
                         f"(cells per axis), got {subdomains!r}")
    return tuple(int(n) for n in counts)


def _points(problem: Regression | Poisson2D, n_collocation: int | None,
            generator: torch.Generator | None) -> tuple[Regression | Poisson2D, dict[str, torch.Tensor]]:
    """The problem (with ``n_collocation`` applied) and its training points, float64."""
    if n_collocation is not None and isinstance(problem, Regression):
        problem = replace(problem, n_train=int(n_collocation))
    elif n_collocation is not None:
        n_bd = max(4, round(problem.n_boundary * n_collocation / problem.n_interior))
        problem = replace(problem, n_interior=int(n_collocation), n_boundary=n_bd)
    return problem, problem.points(generator, dtype=torch.float64)


def _system(problem: Regression | Poisson2D, pts: dict[str, torch.Tensor], basis: RandomBasis,
            method: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Row-weighted least-squares matrix A (rows × n) and right-hand side y."""
    if isinstance(problem, Regression):
        w = 1 / math.sqrt(pts["x"].shape[0])
        return basis.evaluate(pts["x"]) * w, pts["y"].reshape(-1) * w
    w_int = 1 / math.sqrt(pts["interior"].shape[0])
    w_bd = math.sqrt(problem.boundary_weight / pts["boundary"].shape[0])
    blocks = [basis.evaluate(pts["interior"], 2) * w_int, basis.evaluate(pts["boundary"]) * w_bd]
    rhs = [-pts["f"].reshape(-1) * w_int, pts["g"].reshape(-1) * w_bd]
    if method == "pou" and basis.n_features > basis.per_cell:
        perimeter = 2 * sum(b - a for a, b in zip(problem.box.lower, problem.box.upper))
        values, slopes = _interface_rows(basis, density=pts["boundary"].shape[0] / perimeter)
        w_if = math.sqrt(problem.boundary_weight / values.shape[0])
        blocks += [values * w_if, slopes * w_if]
        rhs += [torch.zeros(2 * values.shape[0], dtype=torch.float64)]
    return torch.cat(blocks), torch.cat(rhs)


def solve(problem: Regression | Poisson2D, method: str = "elm", *, n_features: int = 900,
          subdomains: int | tuple[int, ...] = 3, activation: str = "tanh", scale: float = 1.0, eps: float = 1e-3,
          quadrature_n: int = 64, n_collocation: int | None = None,
          generator: torch.Generator | None = None) -> RFMResult:
    """Fit ``problem`` with random features by least squares (``method`` "elm" or "pou"; see the module).

    ``subdomains``: cells per axis, an int or one per axis, for "pou" (ignored by "elm"). ``n_collocation``:
    number of fitting points (Regression) or interior collocation points (Poisson2D, boundary points scaled
    in proportion); None uses the problem's own. ``quadrature_n``: Gauss nodes per axis for the error and
    the Gram matrix (N = quadrature_nᵈ points: in 1-D raise it above n_features, or the ε-rank is capped).
    The training points are drawn from ``generator`` first, then the features: the same seed gives the
    same points to every method, width and activation. ``error`` is absolute if u* ≡ 0.
    Raises ValueError for an unknown method or activation and bad sizes, TypeError for another problem.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r} for the least-squares solvers; "
                         f"valid: {', '.join(ACTIVATIONS)}")
    if not isinstance(problem, (Regression, Poisson2D)):
        raise TypeError(f"problem must be a Regression or a Poisson2D, got {type(problem).__name__}")
    box = problem.box
    counts = _counts(subdomains, box.dim) if method == "pou" else (1,) * box.dim
    K = math.prod(counts)
    if isinstance(n_features, bool) or not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
    if n_features % K:
        raise ValueError(f"n_features = {n_features} does not split evenly over {K} subdomains "
                         f"({' × '.join(map(str, counts))}); use a multiple of {K}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    ok_int = isinstance(n_collocation, (int, np.integer)) and not isinstance(n_collocation, bool)
    if n_collocation is not None and not (ok_int and n_collocation >= 1):
        raise ValueError(f"n_collocation must be a positive integer or None, got {n_collocation!r}")
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    if isinstance(quadrature_n, bool) or not isinstance(quadrature_n, (int, np.integer)) or quadrature_n < 1:
        raise ValueError(f"quadrature_n must be a positive integer (Gauss nodes per axis), got {quadrature_n!r}")
    xq, wq = quadrature(box, int(quadrature_n))
    if xq.shape[0] < n_features:
        warnings.warn(f"{xq.shape[0]} quadrature points for {n_features} functions: the ε-rank cannot exceed "
                      f"{xq.shape[0]}; raise quadrature_n", stacklevel=2)

    start = time.perf_counter()
    problem, pts = _points(problem, n_collocation, generator)           # points first, then the features
    basis = random_basis(box, int(n_features), counts, activation, float(scale), generator)
    A, y = _system(problem, pts, basis, method)
    norms = A.norm(dim=0)
    norms = torch.where(norms > 0, norms, torch.ones_like(norms))
    coef = torch.linalg.lstsq(A / norms, y[:, None], driver="gelsd").solution[:, 0] / norms
    residual = float((A @ coef - y).norm() / y.norm().clamp_min(1e-300))
    seconds = time.perf_counter() - start

    phi = basis.evaluate(xq)
    exact = problem.exact(xq).reshape(-1).to(torch.float64)
    norm2 = float((wq * exact**2).sum())
    err = math.sqrt(float((wq * (phi @ coef - exact) ** 2).sum()) / (norm2 if norm2 > 0 else 1.0))
    spectrum = gram_spectrum(phi, wq)
    return RFMResult(method, n_features, err, rank_from_spectrum(spectrum, eps), spectrum.numpy(), residual, seconds)
