"""The "one line" on a PINN: a plain PirateNet training script, as a user writes it, with and without SFLI.

Nothing of the book's machinery but the net and the PDE's loss: Adam and a loop. The only difference between the
two variants is the marked line (the chapter shows the diff). The line says the loss holds second derivatives
(``derivative_order=2``): the γ rule for PDEs of :func:`sfli.init.default_gamma`.
"""
from __future__ import annotations

import torch

import sfli
from sfli.pdes import Helmholtz2D


def train(use_sfli: bool, seed: int = 0, steps: int = 1000, lr: float = 1e-3) -> float:
    """Solve Δu + u = f on [−1, 1]² (u* = sin πx sin 4πy) with a 32-wide PirateNet; returns the final relative
    L² error on a 64 × 64 grid."""
    torch.manual_seed(seed)
    problem = Helmholtz2D(n_interior=256, n_boundary=64)
    points = problem.points(torch.Generator().manual_seed(seed))
    model = sfli.PirateNet(2, 32, 1, rwf=(1.0, 0.1))
    if use_sfli:
        sfli.apply_sfli(model, [(-1, 1), (-1, 1)], derivative_order=2)  # the one line
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = problem.loss(model, points)
        loss.backward()
        optimizer.step()
    g = torch.linspace(-1, 1, 64)
    x = torch.cartesian_prod(g, g)
    with torch.no_grad():
        return float((model(x) - problem.exact(x)).norm() / problem.exact(x).norm())
