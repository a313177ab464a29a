r"""A third-order example for LDLM [ours]: the linear Airy (dispersive KdV) equation u_t + u_xxx = 0 on
(x, t) ∈ [0, 1] × [0, T] (inputs ordered (x, t)), with u(x, 0), u(0, t), u(1, t) and u_x(1, t) given.

Exact solution u*(x, t) = Σ_k a_k sin(k x + k³ t + φ) (u_t = Σ a k³ cos = −u_xxx), a_k = 1/k by default.

* :class:`AiryPINN` — the direct strong form, L = mean (u_t + u_xxx)² + β [boundary and initial misfits];
  three x-derivatives of the net (two by the engine, the third by autograd).
* :class:`AiryFirstOrder` — the LDLM system p = u_x, q = p_x, u_t + q_x = 0 with outputs (u, p, q):
  L = mean (p − u_x)² + mean (q − p_x)² + mean (u_t + q_x)² + β [boundary and initial misfits, u_x(1, t) as p].
"""
from __future__ import annotations

from typing import ClassVar

import math
from dataclasses import dataclass, field

import torch
from torch import nn

from ..derivatives import Derivatives, derivatives
from ..domain import Box, as_box
from ..first_order import first_derivatives
from .base import check_positive_int, check_weight


@dataclass
class Airy:
    """The data every Airy formulation shares."""

    T: float = 1.0
    frequencies: tuple[float, ...] = (1.0, 2.0)
    phase: float = math.pi / 4
    n_interior: int = 1024
    n_boundary: int = 256
    n_initial: int = 256
    boundary_weight: float = 10.0
    name: str = "airy"
    box: Box = field(init=False)
    outputs: tuple[str, ...] = field(init=False, default=("u",))

    def __post_init__(self) -> None:
        if not (isinstance(self.T, (int, float)) and math.isfinite(self.T) and self.T > 0):
            raise ValueError(f"T must be a positive number, got {self.T!r}")
        if not self.frequencies or any(not (isinstance(k, (int, float)) and k > 0) for k in self.frequencies):
            raise ValueError(f"frequencies must be positive numbers, got {self.frequencies!r}")
        for name in ("n_interior", "n_boundary", "n_initial"):
            check_positive_int(name, getattr(self, name))
        check_weight("boundary_weight", self.boundary_weight)
        self.box = as_box(((0.0, 1.0), (0.0, self.T)), dim=2)

    @property
    def out_dim(self) -> int:
        return len(self.outputs)

    def _waves(self, x: torch.Tensor, derivative: int) -> torch.Tensor:
        """∂^derivative u*/∂x^derivative (N×1): sin shifted by derivative·π/2, times k^derivative."""
        out = torch.zeros_like(x[:, :1])
        for k in self.frequencies:
            out = out + k ** (derivative - 1) * torch.sin(k * x[:, :1] + k**3 * x[:, 1:2] + self.phase
                                                          + derivative * math.pi / 2)
        return out

    def exact(self, x: torch.Tensor) -> torch.Tensor:
        return self._waves(x, 0)

    def exact_outputs(self, x: torch.Tensor) -> torch.Tensor:
        """What a perfect net outputs (u, then u_x and u_xx for the first-order system's p and q)."""
        return torch.cat([self._waves(x, k) for k in range(self.out_dim)], dim=1)

    def points(self, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
        interior = torch.rand(self.n_interior, 2, generator=generator, dtype=dtype) * torch.tensor([1.0, self.T],
                                                                                                   dtype=dtype)
        t = self.T * torch.rand(self.n_boundary, generator=generator, dtype=dtype)
        side = (torch.arange(self.n_boundary) % 2).to(dtype)  # x = 0 and x = 1 alternately
        boundary = torch.stack([side, t], dim=1)
        right = boundary[side == 1]
        x0 = torch.rand(self.n_initial, generator=generator, dtype=dtype)
        initial = torch.stack([x0, torch.zeros_like(x0)], dim=1)
        return {"interior": interior, "boundary": boundary, "g": self.exact(boundary), "right": right,
                "ux_right": self._waves(right, 1), "initial": initial, "u0": self.exact(initial)}

    def misfits(self, model: nn.Module, points: dict[str, torch.Tensor], ux_right: torch.Tensor) -> torch.Tensor:
        """mean (u − g)² at x = 0, 1 + mean (u_x − u*_x)² at x = 1 + mean (u − u0)² at t = 0."""
        return (torch.mean((model(points["boundary"])[:, :1] - points["g"]) ** 2)
                + torch.mean((ux_right - points["ux_right"]) ** 2)
                + torch.mean((model(points["initial"])[:, :1] - points["u0"]) ** 2))

    def quantities(self, model: nn.Module, x: torch.Tensor, engine: str = "auto") -> dict[str, torch.Tensor]:
        D = derivatives(model, x, engine)
        return {"u": D.u[:, :1], "u_x": D.d(0)[:, :1], "u_xx": D.dd(0)[:, :1]}

    def reference(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"u": self._waves(x, 0), "u_x": self._waves(x, 1), "u_xx": self._waves(x, 2)}


@dataclass
class AiryPINN(Airy):
    """Direct strong form: residual u_t + u_xxx."""

    derivative_order: ClassVar[int] = 3  #: the highest derivative of the net in the loss (u_xxx)

    name: str = "airy_pinn"

    def residual(self, D: Derivatives, u_xxx: torch.Tensor) -> torch.Tensor:
        return D.d(1)[:, :1] + u_xxx

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        x = points["interior"].detach().requires_grad_(True)
        if engine == "autograd":
            u = model(x)
            (g,) = torch.autograd.grad(u.sum(), x, create_graph=True)
            (gg,) = torch.autograd.grad(g[:, 0].sum(), x, create_graph=True)
            u_t, u_xx = g[:, 1:2], gg[:, :1]
            D = Derivatives(u, torch.stack([g[:, :1], u_t], dim=1))
        else:
            D = derivatives(model, x, engine)
            u_xx = D.dd(0)[:, :1]
        if D.u.shape[1] != 1:
            raise ValueError(f"{self.name} needs a net with 1 output (u), got {D.u.shape[1]}")
        (g3,) = torch.autograd.grad(u_xx.sum(), x, create_graph=True)
        interior = torch.mean(self.residual(D, g3[:, :1]) ** 2)
        ux_right = first_derivatives(model, points["right"], engine).d(0)[:, :1]
        return interior + self.boundary_weight * self.misfits(model, points, ux_right)


@dataclass
class AiryFirstOrder(Airy):
    """LDLM first-order system p = u_x, q = p_x, u_t + q_x = 0; outputs (u, p, q)."""

    derivative_order: ClassVar[int] = 1  #: the highest derivative of the net in the loss (first derivatives only)

    name: str = "airy_first_order"

    def __post_init__(self) -> None:
        super().__post_init__()
        self.outputs = ("u", "p", "q")

    def residuals(self, D: Derivatives) -> dict[str, torch.Tensor]:
        """``p``: p − u_x, ``q``: q − p_x, ``pde``: u_t + q_x (N×1 each), from the first derivatives ``D``."""
        if D.u.shape[1] != 3:
            raise ValueError(f"{self.name} needs a net with 3 outputs (u, p, q), got {D.u.shape[1]}")
        return {"p": D.u[:, 1:2] - D.du[:, 0, 0:1], "q": D.u[:, 2:3] - D.du[:, 0, 1:2],
                "pde": D.du[:, 1, 0:1] + D.du[:, 0, 2:3]}

    def loss(self, model: nn.Module, points: dict[str, torch.Tensor], engine: str = "autograd") -> torch.Tensor:
        r = self.residuals(first_derivatives(model, points["interior"], engine))
        interior = sum(torch.mean(t**2) for t in r.values())
        return interior + self.boundary_weight * self.misfits(model, points, model(points["right"])[:, 1:2])

    def quantities(self, model: nn.Module, x: torch.Tensor, engine: str = "auto") -> dict[str, torch.Tensor]:
        out = super().quantities(model, x, engine)
        with torch.no_grad():
            y = model(x)
        return {**out, "p": y[:, 1:2], "q": y[:, 2:3]}

    def reference(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        ref = super().reference(x)
        return {**ref, "p": ref["u_x"], "q": ref["u_xx"]}
