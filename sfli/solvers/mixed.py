r"""The deep mixed residual method (MIM) for −Δu = f in [0, 1]^d, u = g on ∂Ω.

MIM (Lyu, Wu, Du, Chen 2020) [secondary], whose a priori error estimate is arXiv:2206.07474 [paper, abstract]:
introduce p = ∇u; a net outputs (u, p) (d + 1 outputs: ``u, p_1 … p_d``) and
L = mean_Ω |p_θ − ∇u_θ|² + mean_Ω (div p_θ + f)² + β mean_∂Ω (u_θ − g)²,
so only FIRST derivatives of the net are needed (:func:`sfli.first_order.first_derivatives`). The variant with
two separate nets is the same problem trained on ``Concat(u_net, p_net)`` (:class:`sfli.solvers.base.Concat`).
High derivatives of u are read from p: ∇u ≈ p, Δu ≈ div p (what "recovers high-order derivatives" refers to);
:meth:`MixedResidual.quantities` also gives the net's own ∇u and Δu of its u output for comparison.
"""
from __future__ import annotations

from typing import ClassVar

from dataclasses import dataclass

import torch
from torch import nn

from ..derivatives import Derivatives, derivatives
from ..first_order import first_derivatives
from .base import BoxProblem, mean_square, output_names


@dataclass
class MixedResidual(BoxProblem):
    """MIM for the Poisson problem: one net (or a :class:`~sfli.solvers.base.Concat` of two) with outputs
    (u, p_1, …, p_d)."""

    derivative_order: ClassVar[int] = 1  #: the highest derivative of the net in the loss (∇u and div p)

    name: str = "mim"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.outputs = output_names("u", [f"p_{i + 1}" for i in range(self.dim)])

    def exact_outputs(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.solution.value(x), self.solution.gradient(x)], dim=1)

    def residuals(self, x: torch.Tensor, D: Derivatives, f: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """``flux`` = p − ∇u (N×d) and ``divergence`` = div p + f (N×1), from the first derivatives ``D``."""
        self.check_model_output(D.u)
        f = -self.solution.laplacian(x) if f is None else f
        p = self.columns("p")
        return {"flux": D.u[:, p] - D.du[:, :, 0], "divergence": D.divergence(p) + f}

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        D = first_derivatives(model, points["interior"], engine)
        r = self.residuals(points["interior"], D, points["f"])
        boundary = torch.mean((model(points["boundary"])[:, :1] - points["g"]) ** 2)
        return mean_square(r["flux"]) + mean_square(r["divergence"]) + self.boundary_weight * boundary

    def quantities(self, model: nn.Module, x: torch.Tensor, engine: str = "auto") -> dict[str, torch.Tensor]:
        """u, the net's own ∇u and Δu (second derivatives of its u output), p and div p."""
        D = derivatives(model, x, engine)
        p = self.columns("p")
        return {"u": D.u[:, :1], "grad_u": D.du[:, :, 0], "lap_u": D.laplacian()[:, :1], "p": D.u[:, p],
                "div_p": D.divergence(p)}

    def reference(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        ref = super().reference(x)
        return {**ref, "p": ref["grad_u"], "div_p": ref["lap_u"]}
