r"""Problems the book trains on: function fitting (regression) and PDEs with exact solutions.

Every problem has a box ``domain``, an ``exact(x)`` solution (N×1), fixed training points drawn from a seed,
and ``loss(model, points)``. The training loop (:mod:`sfli.train`) needs nothing else.

* :class:`Regression` — least squares on samples of a target: L = mean (u(x_j) − f(x_j))².
* :class:`Poisson2D` — −Δu = f on a square, u = g on its boundary, u* known:
  L = mean_interior (Δu + f)² + λ · mean_boundary (u − g)² (a PINN loss; Δu by nested autograd).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch import nn

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


TARGETS: dict[str, Callable[..., Target]] = {"sine_sum": sine_sum, "sine_product_sum": sine_product_sum}


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

    def residual(self, model: nn.Module, x: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
        """Δu + f at ``x``, with Δu by nested autograd (the reference engine)."""
        x = x.detach().requires_grad_(True)
        u = model(x)
        (grad,) = torch.autograd.grad(u.sum(), x, create_graph=True)
        lap = sum(torch.autograd.grad(grad[:, i].sum(), x, create_graph=True)[0][:, i:i + 1] for i in range(2))
        return lap + f

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor]) -> torch.Tensor:
        interior = torch.mean(self.residual(model, points["interior"], points["f"]) ** 2)
        boundary = torch.mean((model(points["boundary"]) - points["g"]) ** 2)
        return interior + self.boundary_weight * boundary
