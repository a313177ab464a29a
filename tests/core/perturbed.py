"""A net's outputs plus a small bump on one output: what the solver tests use to see that a residual notices a
perturbed solution (imported by test_mixed, test_ldlm and test_airy)."""
from typing import Callable

import torch
from torch import nn


class Shift(nn.Module):
    """``net(x)`` plus ``eps · bump(x)`` on output ``column`` only (``bump``: N×d points → N values)."""

    def __init__(self, net: nn.Module, column: int, bump: Callable[[torch.Tensor], torch.Tensor],
                 eps: float = 0.1) -> None:
        super().__init__()
        self.net, self.column, self.bump, self.eps = net, column, bump, eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.net(x)
        shift = torch.zeros_like(y)
        shift[:, self.column] = self.bump(x)
        return y + self.eps * shift
