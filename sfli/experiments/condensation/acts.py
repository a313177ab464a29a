"""Activations of the condensation chapter that the package does not define: x·tanh(x) and x²·tanh(x), and the
multiplicity p of an activation (the order of its first non-zero derivative at 0, Zhou et al. 2022)."""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn


def xtanh(z: torch.Tensor) -> torch.Tensor:
    return z * torch.tanh(z)


def x2tanh(z: torch.Tensor) -> torch.Tensor:
    return z * z * torch.tanh(z)


ACTS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh, "xtanh": xtanh, "x2tanh": x2tanh, "relu": torch.relu, "sigmoid": torch.sigmoid,
    "softplus": F.softplus,
}
LABELS = {"tanh": "tanh", "xtanh": "x·tanh", "x2tanh": "x²·tanh", "relu": "ReLU", "sigmoid": "sigmoid",
          "softplus": "softplus"}
#: The paper's multiplicities [paper]; ReLU: undefined (None).
PAPER_P = {"tanh": 1, "xtanh": 2, "x2tanh": 3, "sigmoid": 1, "softplus": 1, "relu": None}


class Act(nn.Module):
    """An activation of :data:`ACTS` by name."""

    def __init__(self, name: str) -> None:
        super().__init__()
        if name not in ACTS:
            raise ValueError(f"unknown activation {name!r}; valid: {', '.join(ACTS)}")
        self.name, self.fn = name, ACTS[name]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.fn(z)

    def extra_repr(self) -> str:
        return self.name


def derivatives_at_zero(fn: Callable[[torch.Tensor], torch.Tensor], order: int = 6) -> list[float]:
    """σ^(k)(0) for k = 1..order by repeated autograd in float64."""
    x = torch.zeros((), dtype=torch.float64, requires_grad=True)
    y, out = fn(x), []
    for _ in range(order):
        (y,) = torch.autograd.grad(y, x, create_graph=True, allow_unused=True)
        if y is None or not y.requires_grad:
            out.append(float(y) if y is not None else 0.0)
            out += [0.0] * (order - len(out))
            break
        out.append(float(y.detach()))
    return out


def multiplicity(fn: Callable[[torch.Tensor], torch.Tensor] | str, order: int = 6, tol: float = 1e-9) -> int | None:
    """The multiplicity p: σ^(k)(0) = 0 for k < p, σ^(p)(0) ≠ 0; None if no derivative up to ``order`` is
    non-zero (ReLU: autograd gives the one-sided value 0 at the kink, so the multiplicity is undefined)."""
    fn = ACTS[fn] if isinstance(fn, str) else fn
    for k, d in enumerate(derivatives_at_zero(fn, order), start=1):
        if math.isfinite(d) and abs(d) > tol:
            return k
    return None
