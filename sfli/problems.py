r"""Problems the book trains on: function fitting (regression) and PDEs with exact solutions.

Every problem has a box ``domain``, an ``exact(x)`` solution (N×1), fixed training points drawn from a seed,
and ``loss(model, points)``. The training loop (:mod:`sfli.train`) needs nothing else.

* :class:`Regression` — least squares on samples of a target: L = mean (u(x_j) − f(x_j))².
* :class:`Poisson2D` — −Δu = f on a square, u = g on its boundary, u* known:
  L = mean_interior (Δu + f)² + λ · mean_boundary (u − g)² (a PINN loss).
* :class:`Heat1D` — u_t = κ u_xx on [0, 1] × [0, T], u = 0 at x = 0, 1, u(x, 0) given, u* known:
  L = mean_interior (u_t − κ u_xx)² + λ_b · mean_boundary u² + λ_0 · mean_initial (u − u*)².

The PDE residuals are written once against :class:`sfli.derivatives.Derivatives`; ``loss(model, points,
engine)`` computes them with the named derivative engine (``"autograd"``, nested autograd, by default).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

from .derivatives import Derivatives, derivatives
from .domain import Box, DomainLike, as_box

Target = Callable[[torch.Tensor], torch.Tensor]


def _uniform(box: Box, n: int, generator: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    lo, hi = torch.tensor(box.lower, dtype=dtype), torch.tensor(box.upper, dtype=dtype)
    return lo + (hi - lo) * torch.rand(n, box.dim, generator=generator, dtype=dtype)


# ---------------------------------------------------------------- targets

def sine_sum(frequencies: tuple[float, ...] = (1, 2, 4, 8), amplitudes: tuple[float, ...] | None = None) -> Target:
    """f(x) = Σ_k a_k sin(k π x₁) — a multi-frequency 1-D target (x: N×1); a_k = 1 by default."""
    amps = amplitudes or tuple(1.0 for _ in frequencies)
    if len(amps) != len(frequencies):
        raise ValueError(f"{len(amps)} amplitudes for {len(frequencies)} frequencies")

    def f(x: torch.Tensor) -> torch.Tensor:
        return sum(a * torch.sin(k * math.pi * x[:, :1]) for k, a in zip(frequencies, amps))

    return f


def sine_product_sum(frequencies: tuple[float, ...] = (1, 2, 4)) -> Target:
    """f(x, y) = Σ_k sin(k π x) sin(k π y) — a multi-frequency 2-D target (x: N×2)."""

    def f(x: torch.Tensor) -> torch.Tensor:
        return sum(torch.sin(k * math.pi * x[:, :1]) * torch.sin(k * math.pi * x[:, 1:2]) for k in frequencies)

    return f


def bump(center: float = 0.3, width: float = 0.05, background: float = 1.0) -> Target:
    """f(x) = b·sin(π x₁) + exp(−((x₁ − c)/w)²) — a smooth wave with a localized sharp feature of width w."""
    if not (isinstance(width, (int, float)) and width > 0):
        raise ValueError(f"width must be a positive number, got {width!r}")

    def f(x: torch.Tensor) -> torch.Tensor:
        return background * torch.sin(math.pi * x[:, :1]) + torch.exp(-(((x[:, :1] - center) / width) ** 2))

    return f


def step(jump_at: float = 0.2, background: float = 0.3) -> Target:
    """f(x) = 1{x₁ > s} − ½ + b·sin(π x₁) — a discontinuity (a jump of 1 at x₁ = s) on a smooth wave."""

    def f(x: torch.Tensor) -> torch.Tensor:
        return (x[:, :1] > jump_at).to(x.dtype) - 0.5 + background * torch.sin(math.pi * x[:, :1])

    return f


def axis_sines(frequencies: tuple[float, ...] = (1, 2, 3, 4)) -> Target:
    """f(x) = Σ_i sin(k_i π x_i) — one frequency k_i per input axis (a d-dimensional target, d = len(k))."""

    def f(x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] != len(frequencies):
            raise ValueError(f"axis_sines with {len(frequencies)} frequencies needs {len(frequencies)}-D input, "
                             f"got {x.shape[1]}-D")
        return sum(torch.sin(k * math.pi * x[:, i:i + 1]) for i, k in enumerate(frequencies))

    return f


TARGETS: dict[str, Callable[..., Target]] = {"sine_sum": sine_sum, "sine_product_sum": sine_product_sum,
                                             "bump": bump, "step": step, "axis_sines": axis_sines}


@dataclass
class Regression:
    """Fit ``target`` on ``n_train`` points of ``domain`` (uniform random from the seed, or an equispaced grid)."""

    target: Target
    domain: DomainLike
    n_train: int = 256
    grid: bool = False
    name: str = "regression"
    box: Box = field(init=False)

    def __post_init__(self) -> None:
        self.box = as_box(self.domain)
        if not isinstance(self.n_train, int) or self.n_train < 1:
            raise ValueError(f"n_train must be a positive integer, got {self.n_train!r}")
        if self.grid and self.box.dim != 1:
            raise ValueError("grid=True is for 1-D domains; use random points in higher dimension")

    def exact(self, x: torch.Tensor) -> torch.Tensor:
        return self.target(x)

    def points(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
        if self.grid:
            x = torch.linspace(self.box.lower[0], self.box.upper[0], self.n_train, dtype=dtype)[:, None]
        else:
            x = _uniform(self.box, self.n_train, generator, dtype)
        return {"x": x, "y": self.target(x)}

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.mean((model(points["x"]) - points["y"]) ** 2)


@dataclass
class Poisson2D:
    r"""−Δu = f on [a, b]², u = u* on the boundary, with the exact solution
    u*(x, y) = Σ_k sin(k π x) sin(k π y) / k² (so f = Σ_k 2π² sin(kπx) sin(kπy))."""

    domain: DomainLike = ((0.0, 1.0), (0.0, 1.0))
    frequencies: tuple[float, ...] = (1, 2, 4)
    n_interior: int = 1024
    n_boundary: int = 256
    boundary_weight: float = 10.0
    name: str = "poisson2d"
    box: Box = field(init=False)

    def __post_init__(self) -> None:
        self.box = as_box(self.domain, dim=2)

    def exact(self, x: torch.Tensor) -> torch.Tensor:
        return sum(torch.sin(k * math.pi * x[:, :1]) * torch.sin(k * math.pi * x[:, 1:2]) / k**2
                   for k in self.frequencies)

    def source(self, x: torch.Tensor) -> torch.Tensor:
        """f = −Δu*."""
        return sum(2 * math.pi**2 * torch.sin(k * math.pi * x[:, :1]) * torch.sin(k * math.pi * x[:, 1:2])
                   for k in self.frequencies)

    def points(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
        interior = _uniform(self.box, self.n_interior, generator, dtype)
        (x0, x1), (y0, y1) = zip(self.box.lower, self.box.upper)  # (lower, upper) per axis
        t = torch.rand(self.n_boundary, generator=generator, dtype=dtype)
        side = torch.arange(self.n_boundary) % 4
        bx = torch.where(side == 0, x0, torch.where(side == 1, x1, x0 + (x1 - x0) * t))
        by = torch.where(side == 2, y0, torch.where(side == 3, y1, y0 + (y1 - y0) * t))
        boundary = torch.stack([bx, by], dim=1).to(dtype)
        return {"interior": interior, "f": self.source(interior), "boundary": boundary,
                "g": self.exact(boundary)}

    def residual(self, x: torch.Tensor, D: Derivatives, f: torch.Tensor | None = None) -> torch.Tensor:
        """Δu + f at the points ``x`` from their derivatives ``D`` (f = :meth:`source` (x) by default)."""
        return D.laplacian() + (self.source(x) if f is None else f)

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        D = derivatives(model, points["interior"], engine)
        interior = torch.mean(self.residual(points["interior"], D, points["f"]) ** 2)
        boundary = torch.mean((model(points["boundary"]) - points["g"]) ** 2)
        return interior + self.boundary_weight * boundary


@dataclass
class Heat1D:
    r"""u_t = κ u_xx for (x, t) ∈ [0, 1] × [0, T] (inputs ordered (x, t)), u(0, t) = u(1, t) = 0 and
    u(x, 0) = Σ_k a_k sin(kπx), with the exact solution u*(x, t) = Σ_k a_k e^{−κ k² π² t} sin(kπx)
    (a_k = 1 by default)."""

    kappa: float = 0.1
    T: float = 1.0
    frequencies: tuple[float, ...] = (1, 2)
    amplitudes: tuple[float, ...] | None = None
    n_interior: int = 1024
    n_boundary: int = 256
    n_initial: int = 256
    boundary_weight: float = 10.0
    initial_weight: float = 10.0
    name: str = "heat1d"
    box: Box = field(init=False)

    def __post_init__(self) -> None:
        if not (isinstance(self.kappa, (int, float)) and math.isfinite(self.kappa) and self.kappa > 0):
            raise ValueError(f"kappa must be a positive number, got {self.kappa!r}")
        self.box = as_box(((0.0, 1.0), (0.0, self.T)), dim=2)
        if self.amplitudes is not None and len(self.amplitudes) != len(self.frequencies):
            raise ValueError(f"{len(self.amplitudes)} amplitudes for {len(self.frequencies)} frequencies")
        for name in ("n_interior", "n_boundary", "n_initial"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")

    def exact(self, x: torch.Tensor) -> torch.Tensor:
        amps = self.amplitudes or tuple(1.0 for _ in self.frequencies)
        return sum(a * torch.exp(-self.kappa * (k * math.pi) ** 2 * x[:, 1:2]) * torch.sin(k * math.pi * x[:, :1])
                   for k, a in zip(self.frequencies, amps))

    def points(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
        interior = _uniform(self.box, self.n_interior, generator, dtype)
        t = self.T * torch.rand(self.n_boundary, generator=generator, dtype=dtype)
        side = (torch.arange(self.n_boundary) % 2).to(dtype)  # x = 0 and x = 1 alternately
        boundary = torch.stack([side, t], dim=1)
        x0 = torch.rand(self.n_initial, generator=generator, dtype=dtype)
        initial = torch.stack([x0, torch.zeros_like(x0)], dim=1)
        return {"interior": interior, "boundary": boundary, "initial": initial, "u0": self.exact(initial)}

    def residual(self, x: torch.Tensor, D: Derivatives) -> torch.Tensor:
        """u_t − κ u_xx at the points ``x`` = (x, t) from their derivatives ``D``."""
        return D.d(1) - self.kappa * D.dd(0)

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        D = derivatives(model, points["interior"], engine)
        interior = torch.mean(self.residual(points["interior"], D) ** 2)
        boundary = torch.mean(model(points["boundary"]) ** 2)
        initial = torch.mean((model(points["initial"]) - points["u0"]) ** 2)
        return interior + self.boundary_weight * boundary + self.initial_weight * initial

