"""The "one line": a plain PyTorch training script, as a user writes it, with and without SFLI.

Nothing of the book's machinery: ``nn.Sequential``, Adam, a loop. The only difference between the two variants is
the marked line (the chapter shows the diff).
"""
from __future__ import annotations

import math

import torch
from torch import nn

import sfli


def train(use_sfli: bool, seed: int = 0, steps: int = 1000, lr: float = 1e-3) -> float:
    """Fit Σ sin(kπx), k = 1, 2, 5, 10, on [−1, 1] with a 3×64 tanh net; returns the final relative L² error."""
    torch.manual_seed(seed)
    x = torch.linspace(-1, 1, 256)[:, None]
    y = sum(torch.sin(k * math.pi * x) for k in (1, 2, 5, 10))
    model = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(),
                          nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
    if use_sfli:
        sfli.apply_sfli(model, [(-1, 1)])  # the one line
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return float((model(x) - y).norm() / y.norm())
