r"""Relative L² errors of a solver's net: of u, ∇u and Δu, and of its auxiliary outputs.

e(a) = ‖a_θ − a*‖ / ‖a*‖ with ‖a‖² = Σ_j w_j |a(x_j)|² on a quadrature of Ω (:func:`sfli.quadrature`: a tensor
Gauss grid for d ≤ 3, quasi-Monte Carlo above). The names are the problem's (``problem.quantities`` and
``problem.reference``): ``u``, ``grad_u``, ``lap_u`` (the net's own derivatives of its u output) for every
solver; MIM adds ``p`` (vs ∇u*) and ``div_p`` (vs Δu*); LDLM adds ``v`` (−Δu* or Δu*, as its system defines v),
``p`` and ``q`` (∇Δu*).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ..quadrature import quadrature


def relative_l2(value: torch.Tensor, exact: torch.Tensor, weights: torch.Tensor) -> float:
    """‖value − exact‖ / ‖exact‖ in the weighted L² norm (summed over components); the absolute error if
    ‖exact‖ = 0."""
    if value.shape != exact.shape:
        raise ValueError(f"shapes differ: {tuple(value.shape)} vs {tuple(exact.shape)}")
    w = weights.to(torch.float64).reshape(-1, *([1] * (exact.dim() - 1)))
    diff = float((w * (value.to(torch.float64) - exact.to(torch.float64)) ** 2).sum())
    norm = float((w * exact.to(torch.float64) ** 2).sum())
    return math.sqrt(diff / norm) if norm > 0 else math.sqrt(diff)


def relative_errors(problem, model: nn.Module, n: int = 32, engine: str = "auto",
                    x: torch.Tensor | None = None, weights: torch.Tensor | None = None) -> dict[str, float]:
    """{name: relative L² error} of every quantity the problem names, on ``quadrature(problem.box, n)`` (or on
    the given points ``x`` with ``weights``) in the model's dtype."""
    if (x is None) != (weights is None):
        raise ValueError("give both x and weights, or neither")
    if x is None:
        x, weights = quadrature(problem.box, n)
    p = next(iter([*model.parameters(), *model.buffers()]), torch.zeros((), dtype=torch.float64))
    x = x.to(dtype=p.dtype, device=p.device)
    with torch.enable_grad():
        got = {k: v.detach() for k, v in problem.quantities(model, x, engine).items()}
    want = problem.reference(x)
    return {k: relative_l2(got[k], want[k], weights.to(p.device)) for k in got}
