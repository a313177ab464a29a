r"""PDE benchmarks of the SFLI paper's kind (issue 14), in the shape of :class:`sfli.problems.Poisson2D`: a box
``box``, ``exact(x)`` (N×1), ``points(generator, dtype)``, ``residual(x, D, …)`` written once against
:class:`sfli.derivatives.Derivatives`, and ``loss(model, points, engine="autograd")``.

* :class:`PoissonMultiscale2D` — −Δu = f, u* = sin(πx) sin(πy) + a sin(kπx) sin(kπy) (k = 8 by default).
* :class:`Helmholtz2D` — Δu + κ²u = f, u* = sin(a₁πx) sin(a₂πy) (a₁ = 1, a₂ = 4, κ = 1 on [−1, 1]², as in the
  PINN gradient-pathology benchmark and jaxpi).
* :class:`AllenCahn1D` — u_t = ν u_xx − 5u³ + 5u on [−1, 1] (periodic) × [0, T], u₀ = x² cos(πx) (jaxpi's
  benchmark); u* is the spectral ETDRK4 reference of :mod:`sfli.reference`, interpolated.
* :class:`Burgers1D` — u_t + u u_x = ν u_xx on [−1, 1] × [0, T], ν = 0.01/π, u₀ = −sin(πx), u(±1, t) = 0;
  u* by the Cole–Hopf formula (Gauss–Hermite quadrature, verified against the spectral solver).

Inputs of the time-dependent problems are ordered (x, t), as :class:`sfli.problems.Heat1D`. Collocation points:
``sampling="random"`` (uniform, from the generator: call ``points`` with a new generator to resample) or
``"grid"`` (a fixed cell-centred grid of ⌈n^{1/2}⌉² interior points; boundary and initial points equispaced).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .derivatives import Derivatives, derivatives
from .domain import Box, DomainLike, as_box
from .reference import BURGERS_NU, ReferenceSolution, allen_cahn_reference, burgers_cole_hopf

SAMPLINGS = ("random", "grid")
PERIODIC_BCS = ("penalty", "embedding")


def _check(problem: object, counts: tuple[str, ...], weights: tuple[str, ...]) -> None:
    for name in counts:
        value = getattr(problem, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    for name in weights:
        value = getattr(problem, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
    if getattr(problem, "sampling") not in SAMPLINGS:
        raise ValueError(f"unknown sampling {getattr(problem, 'sampling')!r}; valid: {', '.join(SAMPLINGS)}")


def _positive(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _line(a: float, b: float, n: int, sampling: str, generator: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    """n points of [a, b]: uniform random, or cell-centred equispaced."""
    u = (torch.rand(n, generator=generator, dtype=dtype) if sampling == "random"
         else (torch.arange(n, dtype=dtype) + 0.5) / n)
    return a + (b - a) * u


def interior_points(box: Box, n: int, sampling: str, generator: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    """n uniform random points of the box, or its cell-centred grid with ⌈n^{1/d}⌉ points per axis."""
    if sampling == "random":
        lo, hi = torch.tensor(box.lower, dtype=dtype), torch.tensor(box.upper, dtype=dtype)
        return lo + (hi - lo) * torch.rand(n, box.dim, generator=generator, dtype=dtype)
    k = math.ceil(n ** (1.0 / box.dim) - 1e-9)
    axes = [_line(a, b, k, "grid", generator, dtype) for a, b in zip(box.lower, box.upper)]
    return torch.stack([g.reshape(-1) for g in torch.meshgrid(*axes, indexing="ij")], dim=1)


def square_boundary(box: Box, n: int, sampling: str, generator: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    """n points on the four sides of a 2-D box, the sides taken in turn (n/4 each)."""
    (x0, y0), (x1, y1) = box.lower, box.upper
    side = torch.arange(n) % 4
    t = (_line(0.0, 1.0, n, sampling, generator, dtype) if sampling == "random"
         else ((torch.arange(n) // 4).to(dtype) + 0.5) / math.ceil(n / 4))
    bx = torch.where(side == 0, x0, torch.where(side == 1, x1, x0 + (x1 - x0) * t))
    by = torch.where(side == 2, y0, torch.where(side == 3, y1, y0 + (y1 - y0) * t))
    return torch.stack([bx, by], dim=1).to(dtype)


def _dirichlet_loss(problem, model: nn.Module, points: dict[str, torch.Tensor], engine: str) -> torch.Tensor:
    D = derivatives(model, points["interior"], engine)
    interior = torch.mean(problem.residual(points["interior"], D, points["f"]) ** 2)
    boundary = torch.mean((model(points["boundary"]) - points["g"]) ** 2)
    return interior + problem.boundary_weight * boundary


# ---------------------------------------------------------------- elliptic, exact solutions

@dataclass
class PoissonMultiscale2D:
    r"""−Δu = f on ``domain`` ([0, 1]² by default), u = u* on the boundary BY PENALTY, with the exact solution

        u*(x, y) = sin(πx) sin(πy) + a sin(kπx) sin(kπy),  f = 2π² sin(πx) sin(πy) + 2 a k²π² sin(kπx) sin(kπy).

    L = mean_interior (Δu + f)² + λ · mean_boundary (u − u*)². ``k`` (``wave``, 8) is the high frequency,
    ``amplitude`` a (0.1) its weight in u* (in f it weighs a k² = 6.4 against 1)."""

    domain: DomainLike = ((0.0, 1.0), (0.0, 1.0))
    wave: float = 8.0
    amplitude: float = 0.1
    n_interior: int = 2048
    n_boundary: int = 512
    boundary_weight: float = 10.0
    sampling: str = "random"
    name: str = "poisson_multiscale2d"
    box: Box = field(init=False)

    def __post_init__(self) -> None:
        self.box = as_box(self.domain, dim=2)
        _positive("wave", self.wave)
        if isinstance(self.amplitude, bool) or not isinstance(self.amplitude, (int, float)) \
                or not math.isfinite(self.amplitude):
            raise ValueError(f"amplitude must be a finite number, got {self.amplitude!r}")
        _check(self, ("n_interior", "n_boundary"), ("boundary_weight",))

    def _modes(self, x: torch.Tensor):
        s1 = torch.sin(math.pi * x[:, :1]) * torch.sin(math.pi * x[:, 1:2])
        sk = torch.sin(self.wave * math.pi * x[:, :1]) * torch.sin(self.wave * math.pi * x[:, 1:2])
        return s1, sk

    def exact(self, x: torch.Tensor) -> torch.Tensor:
        s1, sk = self._modes(x)
        return s1 + self.amplitude * sk

    def source(self, x: torch.Tensor) -> torch.Tensor:
        """f = −Δu*."""
        s1, sk = self._modes(x)
        return 2 * math.pi**2 * (s1 + self.amplitude * self.wave**2 * sk)

    def points(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
        interior = interior_points(self.box, self.n_interior, self.sampling, generator, dtype)
        boundary = square_boundary(self.box, self.n_boundary, self.sampling, generator, dtype)
        return {"interior": interior, "f": self.source(interior), "boundary": boundary, "g": self.exact(boundary)}

    def residual(self, x: torch.Tensor, D: Derivatives, f: torch.Tensor | None = None) -> torch.Tensor:
        """Δu + f at the points ``x`` (f = :meth:`source` (x) by default)."""
        return D.laplacian() + (self.source(x) if f is None else f)

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        return _dirichlet_loss(self, model, points, engine)


@dataclass
class Helmholtz2D:
    r"""Δu + κ²u = f on ``domain`` ([−1, 1]² by default), u = u* on the boundary BY PENALTY, with

        u*(x, y) = sin(a₁πx) sin(a₂πy),  f = (κ² − (a₁² + a₂²) π²) u*.

    L = mean_interior (Δu + κ²u − f)² + λ · mean_boundary (u − u*)². ``kappa`` κ is the wave number."""

    domain: DomainLike = ((-1.0, 1.0), (-1.0, 1.0))
    a1: float = 1.0
    a2: float = 4.0
    kappa: float = 1.0
    n_interior: int = 2048
    n_boundary: int = 512
    boundary_weight: float = 10.0
    sampling: str = "random"
    name: str = "helmholtz2d"
    box: Box = field(init=False)

    def __post_init__(self) -> None:
        self.box = as_box(self.domain, dim=2)
        for name in ("a1", "a2"):
            _positive(name, getattr(self, name))
        if isinstance(self.kappa, bool) or not isinstance(self.kappa, (int, float)) or not math.isfinite(self.kappa):
            raise ValueError(f"kappa must be a finite number, got {self.kappa!r}")
        _check(self, ("n_interior", "n_boundary"), ("boundary_weight",))

    def exact(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.a1 * math.pi * x[:, :1]) * torch.sin(self.a2 * math.pi * x[:, 1:2])

    def source(self, x: torch.Tensor) -> torch.Tensor:
        """f = Δu* + κ²u*."""
        return (self.kappa**2 - (self.a1**2 + self.a2**2) * math.pi**2) * self.exact(x)

    def points(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
        interior = interior_points(self.box, self.n_interior, self.sampling, generator, dtype)
        boundary = square_boundary(self.box, self.n_boundary, self.sampling, generator, dtype)
        return {"interior": interior, "f": self.source(interior), "boundary": boundary, "g": self.exact(boundary)}

    def residual(self, x: torch.Tensor, D: Derivatives, f: torch.Tensor | None = None) -> torch.Tensor:
        """Δu + κ²u − f at the points ``x`` (f = :meth:`source` (x) by default)."""
        return D.laplacian() + self.kappa**2 * D.u - (self.source(x) if f is None else f)

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        return _dirichlet_loss(self, model, points, engine)


# ---------------------------------------------------------------- evolution, reference solutions

def _evolution_points(problem, generator: torch.Generator, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """Interior (x, t), boundary pairs (−1, t) and (1, t) at the same times, initial (x, 0) with u₀."""
    interior = interior_points(problem.box, problem.n_interior, problem.sampling, generator, dtype)
    t = _line(0.0, problem.T, problem.n_boundary, problem.sampling, generator, dtype)
    x0 = _line(-1.0, 1.0, problem.n_initial, problem.sampling, generator, dtype)
    initial = torch.stack([x0, torch.zeros_like(x0)], dim=1)
    return {"interior": interior, "left": torch.stack([torch.full_like(t, -1.0), t], dim=1),
            "right": torch.stack([torch.ones_like(t), t], dim=1), "initial": initial,
            "u0": problem.initial_value(initial)}


def _check_evolution(problem) -> None:
    _positive("T", problem.T)
    _positive("nu", problem.nu)
    _check(problem, ("n_interior", "n_boundary", "n_initial"), ("boundary_weight", "initial_weight"))
    problem.box = as_box(((-1.0, 1.0), (0.0, problem.T)), dim=2)


@dataclass
class AllenCahn1D:
    r"""u_t = ν u_xx − 5u³ + 5u for (x, t) ∈ [−1, 1] × [0, T], periodic in x, u(x, 0) = x² cos(πx)
    (jaxpi's benchmark, ν = 1e-4, T = 1; a shorter window T < 1 is the same problem's start).

    Initial condition BY PENALTY. Periodicity (``periodic``): ``"penalty"`` adds
    λ_b · mean_t [(u(−1, t) − u(1, t))² + (u_x(−1, t) − u_x(1, t))²]; ``"embedding"`` adds nothing — the net
    must be 2-periodic in x by construction (``PirateNet(2, …, periods=problem.periods)``; a net with a
    ``periodic`` attribute that is not that embedding is refused).
    L = mean_interior (u_t − ν u_xx + 5u³ − 5u)² + λ_0 · mean_initial (u − u₀)² [+ the periodic penalty].
    ``exact`` interpolates :func:`sfli.reference.allen_cahn_reference` (``n_modes``, ``dt``: computed on the
    first call, seconds, cached), and is u₀ itself at t = 0. Between the grid points the interpolant carries the
    Gibbs error of u₀'s corner at x = ±1 while diffusion rounds it: measured with 1024 modes against 2048, max
    7e-4 just after t = 0, 3e-5 at t = 0.1, 8e-6 at t = 0.2 (near x = ±1 only); at the grid points and later
    the reference is far more accurate (see :mod:`sfli.reference`)."""

    T: float = 1.0
    nu: float = 1e-4
    periodic: str = "penalty"
    n_interior: int = 4096
    n_boundary: int = 256
    n_initial: int = 512
    boundary_weight: float = 10.0
    initial_weight: float = 10.0
    n_modes: int = 1024
    dt: float = 1e-3
    sampling: str = "random"
    name: str = "allen_cahn1d"
    box: Box = field(init=False)

    def __post_init__(self) -> None:
        _check_evolution(self)
        if self.periodic not in PERIODIC_BCS:
            raise ValueError(f"unknown periodic={self.periodic!r}; valid: {', '.join(PERIODIC_BCS)}")

    @property
    def periods(self) -> dict[int, float]:
        """{axis: period} for :class:`sfli.PirateNet`'s periodic embedding: x (axis 0) has period 2."""
        return {0: 2.0}

    def reference(self) -> ReferenceSolution:
        return allen_cahn_reference(float(self.T), self.n_modes, self.dt, max(2, round(self.T / self.dt) + 1),
                                    float(self.nu))

    def initial_value(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :1] ** 2 * torch.cos(math.pi * x[:, :1])

    def exact(self, x: torch.Tensor) -> torch.Tensor:
        xn = x.detach().cpu().to(torch.float64).numpy()
        t = np.clip(xn[:, 1], 0.0, self.T)
        u = np.where(t == 0, xn[:, 0] ** 2 * np.cos(np.pi * xn[:, 0]), self.reference()(xn[:, 0], t))
        return torch.as_tensor(u, dtype=x.dtype, device=x.device)[:, None]

    def points(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
        return _evolution_points(self, generator, dtype)

    def residual(self, x: torch.Tensor, D: Derivatives) -> torch.Tensor:
        """u_t − ν u_xx + 5u³ − 5u at the points ``x`` = (x, t)."""
        return D.d(1) - self.nu * D.dd(0) + 5 * D.u**3 - 5 * D.u

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        D = derivatives(model, points["interior"], engine)
        loss = torch.mean(self.residual(points["interior"], D) ** 2)
        loss = loss + self.initial_weight * torch.mean((model(points["initial"]) - points["u0"]) ** 2)
        if self.periodic == "penalty":
            left, right = derivatives(model, points["left"], engine), derivatives(model, points["right"], engine)
            jump = torch.mean((left.u - right.u) ** 2) + torch.mean((left.d(0) - right.d(0)) ** 2)
            loss = loss + self.boundary_weight * jump
        elif hasattr(model, "periodic"):
            emb = getattr(model, "periodic")
            if emb is None or getattr(emb, "periods", {}).get(0) != 2.0:
                raise ValueError("periodic='embedding' needs a net 2-periodic in x: build it with "
                                 "periods=problem.periods (e.g. PirateNet(2, …, periods={0: 2.0})), or use "
                                 "periodic='penalty'")
        return loss


@dataclass
class Burgers1D:
    r"""u_t + u u_x = ν u_xx for (x, t) ∈ [−1, 1] × [0, T], u(x, 0) = −sin(πx), u(±1, t) = 0, ν = 0.01/π
    (the classic PINN benchmark).

    Boundary and initial conditions BY PENALTY:
    L = mean_interior (u_t + u u_x − ν u_xx)² + λ_b · mean_t [u(−1, t)² + u(1, t)²] + λ_0 · mean_initial (u − u₀)².
    ``exact`` is the Cole–Hopf solution (:func:`sfli.reference.burgers_cole_hopf`, ``n_quad`` nodes)."""

    T: float = 1.0
    nu: float = BURGERS_NU
    n_interior: int = 4096
    n_boundary: int = 256
    n_initial: int = 512
    boundary_weight: float = 10.0
    initial_weight: float = 10.0
    n_quad: int = 200
    sampling: str = "random"
    name: str = "burgers1d"
    box: Box = field(init=False)

    def __post_init__(self) -> None:
        _check_evolution(self)

    def initial_value(self, x: torch.Tensor) -> torch.Tensor:
        return -torch.sin(math.pi * x[:, :1])

    def exact(self, x: torch.Tensor) -> torch.Tensor:
        xn = x.detach().cpu().to(torch.float64).numpy()
        u = burgers_cole_hopf(xn[:, 0], np.clip(xn[:, 1], 0.0, None), self.nu, self.n_quad)
        return torch.as_tensor(u, dtype=x.dtype, device=x.device)[:, None]

    def points(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
        return _evolution_points(self, generator, dtype)

    def residual(self, x: torch.Tensor, D: Derivatives) -> torch.Tensor:
        """u_t + u u_x − ν u_xx at the points ``x`` = (x, t)."""
        return D.d(1) + D.u * D.d(0) - self.nu * D.dd(0)

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        D = derivatives(model, points["interior"], engine)
        loss = torch.mean(self.residual(points["interior"], D) ** 2)
        loss = loss + self.initial_weight * torch.mean((model(points["initial"]) - points["u0"]) ** 2)
        boundary = torch.mean(model(points["left"]) ** 2) + torch.mean(model(points["right"]) ** 2)
        return loss + self.boundary_weight * boundary
