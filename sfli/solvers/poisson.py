r"""−Δu = f in Ω = [0, 1]^d, u = g on ∂Ω, by the strong-form PINN and by the deep Ritz method.

* :class:`PoissonPINN` — L = mean_Ω (Δu_θ + f)² + β mean_∂Ω (u_θ − g)²; second derivatives of the net.
* :class:`DeepRitz` (E & Yu 2018) [secondary] — L = ∫_Ω (½|∇u_θ|² − f u_θ) dx + β ∫_∂Ω (u_θ − g)² ds, both
  integrals by Monte Carlo (|Ω| and |∂Ω| times the means); first derivatives only. The energy is not bounded
  below by 0, so its value is not an error indicator.

f = −Δu* and g = u* come from the exact solution (:mod:`sfli.solvers.solutions`).
"""
from __future__ import annotations

from typing import ClassVar

from dataclasses import dataclass

import torch
from torch import nn

from ..derivatives import Derivatives, derivatives
from ..first_order import first_derivatives
from .base import BoxProblem, boundary_area


@dataclass
class PoissonPINN(BoxProblem):
    """The strong-form PINN for −Δu = f: residual Δu + f, Dirichlet data by penalty."""

    derivative_order: ClassVar[int] = 2  #: the highest derivative of the net in the loss (Δu)

    name: str = "poisson_pinn"

    def residual(self, x: torch.Tensor, D: Derivatives, f: torch.Tensor | None = None) -> torch.Tensor:
        """Δu + f (N×1) from the derivatives ``D`` of the net at ``x`` (f = −Δu*(x) by default)."""
        return D.laplacian()[:, :1] + (-self.solution.laplacian(x) if f is None else f)

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        D = derivatives(model, points["interior"], engine)
        self.check_model_output(D.u)
        interior = torch.mean(self.residual(points["interior"], D, points["f"]) ** 2)
        boundary = torch.mean((model(points["boundary"]) - points["g"]) ** 2)
        return interior + self.boundary_weight * boundary


@dataclass
class DeepRitz(BoxProblem):
    """The deep Ritz method for −Δu = f: minimize the energy ½|∇u|² − f u plus a boundary penalty."""

    derivative_order: ClassVar[int] = 1  #: the highest derivative of the net in the loss (∇u in the energy)

    name: str = "deep_ritz"

    def energy_density(self, x: torch.Tensor, D: Derivatives, f: torch.Tensor | None = None) -> torch.Tensor:
        """½|∇u|² − f u (N×1) from the first derivatives ``D`` of the net at ``x``."""
        f = -self.solution.laplacian(x) if f is None else f
        return 0.5 * D.du[:, :, 0].pow(2).sum(1, keepdim=True) - f * D.u[:, :1]

    def energy(self, model: nn.Module, x: torch.Tensor, weights: torch.Tensor, engine: str = "autograd",
               f: torch.Tensor | None = None) -> torch.Tensor:
        """Σ_j w_j (½|∇u|² − f u)(x_j) — the interior energy by any rule (weights summing to |Ω|)."""
        D = first_derivatives(model, x, engine)
        self.check_model_output(D.u)
        return (weights.to(D.u.dtype)[:, None] * self.energy_density(x, D, f)).sum()

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        x = points["interior"]
        weights = torch.full((x.shape[0],), self.box.volume / x.shape[0], dtype=x.dtype, device=x.device)
        boundary = boundary_area(self.box) * torch.mean((model(points["boundary"]) - points["g"]) ** 2)
        return self.energy(model, x, weights, engine, points["f"]) + self.boundary_weight * boundary
