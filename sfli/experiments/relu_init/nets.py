r"""Many small ReLU networks side by side: stacks of weights with a leading batch dimension B (one net per entry),
initialized by a scheme (:mod:`sfli.relu_init`), trained together by one Adam on the SUM of their losses — each
net's parameters enter only its own loss and Adam acts element by element, so this is exactly B independent
trainings, at the cost of one.

A net of depth L is d_in → width (L hidden ReLU layers) → d_out; the hidden layers follow the scheme, the output
layer is N(0, 1/fan_in) with b = 0 for every scheme [ours: the schemes are compared on their hidden layers].
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ...relu_init import anticorrelated_rai_weights, anticorrelated_weights, he_weights, lps_weights, rai_weights

Params = list[tuple[torch.Tensor, torch.Tensor]]  #: [(W (B, out, in), b (B, out)), …], output layer last


@dataclass(frozen=True)
class Scheme:
    """An initialization: ``method`` (a key of :data:`sfli.init.RELU_METHODS`), the anti-correlation ``k``
    (anti-correlated schemes), LPS's ``scale`` ("data" or "he") and ``variant``: "" for the chapter's default
    options, else a short name of the alternative ("k-1", "he")."""

    method: str
    k: float | None = None
    scale: str = "data"
    variant: str = ""

    @property
    def key(self) -> str:
        """Its name in metrics and tables: the method, with the variant when there is one."""
        return self.method + (f"_{self.variant}" if self.variant else "")


def hidden_layer(scheme: Scheme, h: torch.Tensor, fan_out: int,
                 gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """One hidden layer's (W, b) for ``B`` nets whose layer input on the data is ``h`` (B, n, fan_in)."""
    batch, fan_in, dtype = (h.shape[0],), h.shape[-1], h.dtype
    if scheme.method == "kaiming_normal":
        return he_weights(fan_out, fan_in, batch=batch, generator=gen, dtype=dtype)
    if scheme.method == "rai":
        return rai_weights(fan_out, fan_in, batch=batch, generator=gen, dtype=dtype)
    if scheme.method == "anticorrelated":
        return (anticorrelated_weights(fan_out, fan_in, scheme.k, batch=batch, generator=gen, dtype=dtype),
                torch.zeros(*batch, fan_out, dtype=dtype))
    if scheme.method == "anticorrelated_rai":
        return anticorrelated_rai_weights(fan_out, fan_in, scheme.k, batch=batch, generator=gen, dtype=dtype)
    if scheme.method == "lps":
        return lps_weights(h, fan_out, scale=scheme.scale, generator=gen)
    raise ValueError(f"unknown scheme {scheme.method!r}; valid: kaiming_normal, rai, lps, anticorrelated, "
                     "anticorrelated_rai")


def layer(h: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """h Wᵀ + b for every net: h (B, n, in), W (B, out, in), b (B, out) → (B, n, out)."""
    return torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))


def init_nets(scheme: Scheme, n_nets: int, d_in: int, width: int, depth: int, d_out: int, x: torch.Tensor,
              gen: torch.Generator, dtype: torch.dtype = torch.float32) -> Params:
    """``n_nets`` nets of the scheme; ``x`` (n, d_in), or (n_nets, n, d_in) one cloud per net: the data LPS places
    its hyperplanes on (layer by layer)."""
    h = x.to(dtype) if x.ndim == 3 else x.to(dtype).expand(n_nets, *x.shape)
    params: Params = []
    for _ in range(depth):
        w, b = hidden_layer(scheme, h, width, gen)
        w, b = w.to(dtype), b.to(dtype)
        params.append((w, b))
        h = torch.relu(layer(h, w, b))
    w = torch.randn(n_nets, d_out, width, generator=gen, dtype=dtype) / math.sqrt(width)
    params.append((w, torch.zeros(n_nets, d_out, dtype=dtype)))
    return params


def forward(params: Params, x: torch.Tensor) -> torch.Tensor:
    """The nets' outputs (B, n, d_out) on ``x`` (n, d_in), shared by all nets, or (B, n, d_in)."""
    h = x.expand(params[0][0].shape[0], *x.shape) if x.ndim == 2 else x
    for w, b in params[:-1]:
        h = torch.relu(layer(h, w, b))
    return layer(h, *params[-1])


def first_dead_layer(scheme: Scheme, n_nets: int, width: int, depth: int, x: torch.Tensor,
                     gen: torch.Generator, rtol: float = 1e-12) -> torch.Tensor:
    """For each of ``n_nets`` fresh nets (float64), the first hidden layer whose every neuron is constant on the
    points ``x`` (n, d_in) — from there on the net is constant: born dead — or depth + 1 when none is."""
    h = x.double().expand(n_nets, *x.shape)
    first = torch.full((n_nets,), depth + 1, dtype=torch.long)
    for ell in range(1, depth + 1):
        w, b = hidden_layer(scheme, h, width, gen)
        h = torch.relu(layer(h, w.double(), b.double()))
        spread = (h.amax(1) - h.amin(1)).amax(-1)
        dead = spread <= rtol * (1.0 + h.abs().amax(dim=(1, 2)))
        first = torch.where(dead & (first > depth), torch.full_like(first, ell), first)
    return first


def train(params: Params, loss_fn, steps: int, lr: float, record: list[int]) -> tuple[Params, dict[int, torch.Tensor]]:
    """Full-batch Adam on the sum of the nets' losses; ``loss_fn(params)`` returns the per-net losses (B,).
    Returns the trained parameters and the per-net losses at the steps in ``record``."""
    leaves = [t.clone().requires_grad_(True) for pair in params for t in pair]
    opt = torch.optim.Adam(leaves, lr=lr, fused=True)
    pairs = lambda: [(leaves[2 * i], leaves[2 * i + 1]) for i in range(len(params))]  # noqa: E731
    history: dict[int, torch.Tensor] = {}
    wanted = set(record)
    for step in range(steps + 1):
        losses = loss_fn(pairs())
        if step in wanted:
            history[step] = losses.detach().clone()
        if step == steps:
            break
        opt.zero_grad(set_to_none=True)
        losses.sum().backward()
        opt.step()
    return [(w.detach(), b.detach()) for w, b in pairs()], history


def log_steps(steps: int, n: int = 40) -> list[int]:
    """About ``n`` log-spaced steps in 0..steps (0 and ``steps`` included)."""
    grid = {0, steps, *(int(round(v)) for v in torch.logspace(0, math.log10(max(steps, 1)), n).tolist())}
    return sorted(s for s in grid if 0 <= s <= steps)
