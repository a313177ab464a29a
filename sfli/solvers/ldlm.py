r"""The biharmonic equation Δ²u = f in [0, 1]^d with u = g and Δu = h on ∂Ω, three ways.

The local deep learning method (LDLM, Yang & Zhu, arXiv:2103.08915) [paper, abstract] rewrites a PDE with high
derivatives as a system of low-order equations in intermediate variables, all outputs of one network; the
systems below are our reconstruction [ours] (the paper's details are not known to us):

* :class:`BiharmonicPINN` — the direct strong form: L = mean (Δ²u_θ − f)² + β [mean (u_θ − g)² + mean (Δu_θ − h)²];
  the net is differentiated FOUR times (second derivatives by the chosen engine, then Δ of Δu by autograd).
* :class:`BiharmonicSecondOrder` — −Δu = v, −Δv = f; outputs (u, v);
  L = mean (Δu + v)² + mean (Δv + f)² + β [mean (u − g)² + mean (v + h)²]; second derivatives.
* :class:`BiharmonicFirstOrder` — p = ∇u, v = div p, q = ∇v, div q = f; outputs (u, p_1…p_d, v, q_1…q_d);
  L = mean |p − ∇u|² + mean (v − div p)² + mean |q − ∇v|² + mean (div q − f)² + β [mean (u − g)² + mean (v − h)²];
  first derivatives only.

f = Δ²u*, g = u*, h = Δu* come from the exact solution (:mod:`sfli.solvers.solutions`).
"""
from __future__ import annotations

from typing import ClassVar

from dataclasses import dataclass

import torch
from torch import nn

from ..derivatives import Derivatives, derivatives, field_derivatives
from ..first_order import first_derivatives
from .base import BoxProblem, mean_square, output_names


def laplacian_of_laplacian(model: nn.Module, x: torch.Tensor, engine: str = "autograd") -> tuple[Derivatives,
                                                                                               torch.Tensor]:
    """(D, Δ²u): the derivatives D of the net at ``x`` by ``engine`` and Δ(Δu) (N×out) by two more levels of
    autograd through them; differentiable in the parameters."""
    x = x.detach().requires_grad_(True)
    if engine == "autograd":  # autograd_derivatives would detach x again: differentiate through this x
        D = field_derivatives(model(x), x)
    else:
        D = derivatives(model, x, engine)
    return D, field_derivatives(D.laplacian(), x).laplacian()


@dataclass
class Biharmonic(BoxProblem):
    """Δ²u = f with Navier boundary data u = g, Δu = h; the data every formulation shares."""

    name: str = "biharmonic"

    def data(self, interior: torch.Tensor, boundary: torch.Tensor) -> dict[str, torch.Tensor]:
        s = self.solution
        return {"f": s.bilaplacian(interior), "g": s.value(boundary), "h": s.laplacian(boundary)}

    def boundary_loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str) -> torch.Tensor:
        raise NotImplementedError

    def interior_loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str) -> torch.Tensor:
        raise NotImplementedError

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        return self.interior_loss(model, points, engine) + self.boundary_weight * self.boundary_loss(model, points,
                                                                                                    engine)


@dataclass
class BiharmonicPINN(Biharmonic):
    """The direct strong-form PINN: residual Δ²u − f, four derivatives of the net."""

    derivative_order: ClassVar[int] = 4  #: the highest derivative of the net in the loss (Δ²u)

    name: str = "biharmonic_pinn"

    def residual(self, x: torch.Tensor, bilaplacian: torch.Tensor, f: torch.Tensor | None = None) -> torch.Tensor:
        """Δ²u − f (N×1) from the net's Δ²u at ``x`` (see :func:`laplacian_of_laplacian`)."""
        return bilaplacian[:, :1] - (self.solution.bilaplacian(x) if f is None else f)

    def interior_loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str) -> torch.Tensor:
        D, bilap = laplacian_of_laplacian(model, points["interior"], engine)
        self.check_model_output(D.u)
        return torch.mean(self.residual(points["interior"], bilap, points["f"]) ** 2)

    def boundary_loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str) -> torch.Tensor:
        D = derivatives(model, points["boundary"], engine)
        return torch.mean((D.u - points["g"]) ** 2) + torch.mean((D.laplacian() - points["h"]) ** 2)


@dataclass
class BiharmonicSecondOrder(Biharmonic):
    """LDLM's second-order system −Δu = v, −Δv = f; outputs (u, v), v ≈ −Δu."""

    derivative_order: ClassVar[int] = 2  #: the highest derivative of the net in the loss (Δu and Δv)

    name: str = "biharmonic_second_order"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.outputs = ("u", "v")

    def exact_outputs(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.solution.value(x), -self.solution.laplacian(x)], dim=1)

    def residuals(self, x: torch.Tensor, D: Derivatives, f: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """``u``: Δu + v and ``v``: Δv + f (N×1 each), from the second derivatives ``D``."""
        self.check_model_output(D.u)
        f = self.solution.bilaplacian(x) if f is None else f
        lap = D.laplacian()
        return {"u": lap[:, :1] + D.u[:, 1:2], "v": lap[:, 1:2] + f}

    def interior_loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str) -> torch.Tensor:
        r = self.residuals(points["interior"], derivatives(model, points["interior"], engine), points["f"])
        return mean_square(r["u"]) + mean_square(r["v"])

    def boundary_loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str) -> torch.Tensor:
        uv = model(points["boundary"])
        return torch.mean((uv[:, :1] - points["g"]) ** 2) + torch.mean((uv[:, 1:2] + points["h"]) ** 2)

    def quantities(self, model: nn.Module, x: torch.Tensor, engine: str = "auto") -> dict[str, torch.Tensor]:
        out = super().quantities(model, x, engine)
        with torch.no_grad():
            return {**out, "v": model(x)[:, 1:2]}

    def reference(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        ref = super().reference(x)
        return {**ref, "v": -ref["lap_u"]}


@dataclass
class BiharmonicFirstOrder(Biharmonic):
    """LDLM's first-order system p = ∇u, v = div p, q = ∇v, div q = f; outputs (u, p, v, q), 2d + 2 in all."""

    derivative_order: ClassVar[int] = 1  #: the highest derivative of the net in the loss (first derivatives only)

    name: str = "biharmonic_first_order"

    def __post_init__(self) -> None:
        super().__post_init__()
        d = self.dim
        self.outputs = output_names("u", [f"p_{i + 1}" for i in range(d)], "v", [f"q_{i + 1}" for i in range(d)])

    def exact_outputs(self, x: torch.Tensor) -> torch.Tensor:
        s = self.solution
        return torch.cat([s.value(x), s.gradient(x), s.laplacian(x), s.grad_laplacian(x)], dim=1)

    def residuals(self, x: torch.Tensor, D: Derivatives, f: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """``p``: p − ∇u (N×d), ``v``: v − div p, ``q``: q − ∇v (N×d), ``f``: div q − f (N×1), from the first
        derivatives ``D``."""
        self.check_model_output(D.u)
        f = self.solution.bilaplacian(x) if f is None else f
        p, q, v = self.columns("p"), self.columns("q"), self.columns("v")[0]
        return {"p": D.u[:, p] - D.du[:, :, 0], "v": D.u[:, v:v + 1] - D.divergence(p),
                "q": D.u[:, q] - D.du[:, :, v], "f": D.divergence(q) - f}

    def interior_loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str) -> torch.Tensor:
        r = self.residuals(points["interior"], first_derivatives(model, points["interior"], engine), points["f"])
        return sum(mean_square(t) for t in r.values())

    def boundary_loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str) -> torch.Tensor:
        out, v = model(points["boundary"]), self.columns("v")[0]
        return torch.mean((out[:, :1] - points["g"]) ** 2) + torch.mean((out[:, v:v + 1] - points["h"]) ** 2)

    def quantities(self, model: nn.Module, x: torch.Tensor, engine: str = "auto") -> dict[str, torch.Tensor]:
        out = super().quantities(model, x, engine)
        with torch.no_grad():
            y = model(x)
        return {**out, "p": y[:, self.columns("p")], "v": y[:, self.columns("v")],
                "q": y[:, self.columns("q")]}

    def reference(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        ref = super().reference(x)
        return {**ref, "p": ref["grad_u"], "v": ref["lap_u"], "q": self.solution.grad_laplacian(x)}
