r"""Initializations for deep ReLU networks: RAI, LPS (the book's reconstruction) and anti-correlated weights.

Each scheme has a sampler that draws a whole stack of layers at once (leading ``batch`` dimensions, for many small
networks trained side by side) and an in-place ``torch.nn.init``-style wrapper for one ``nn.Linear``:

* :func:`rai_` — randomized asymmetric initialization (Lu, Shin, Su, Karniadakis, arXiv:1903.06733; the recipe
  as two independent reimplementations give it [secondary]): V_i = (w_i, b_i) i.i.d. N(0, σ²/fan_in),
  σ = 0.6007, then ONE entry of V_i, chosen uniformly among its fan_in + 1 entries, replaced by a Beta(2, 1) draw.
* :func:`anticorrelated_` — rows equicorrelated with ρ = k/(N − 1), N = fan_in, k ∈ [−1, 0] (k = −1: zero-sum
  rows), variance σ_w²/N with σ_w² = 2π/(π + k), the variance-preserving value of the mean field
  (:mod:`sfli.meanfield`); b = 0 [ours: a reconstruction of Singh and Sreejith, arXiv:2103.12499].
* :func:`anticorrelated_rai_` — the combination [ours]: anti-correlated rows, one Beta(2, 1) entry per neuron as in
  RAI, then every row scaled so that its expected squared norm is σ_w² again.
* :func:`lps_` — our reconstruction of the linear-product-structure initialization (Chen, Hao, He,
  arXiv:2109.00125): each neuron's hyperplane w_i·h + b_i = 0 passes through fan_in points of the layer's input
  data cloud (a linear solve), and cuts it; each neuron is then scaled as He's on the data: mean z_i² = 2 mean h².
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

RAI_SIGMA = 0.6007  #: RAI's σ [secondary: two reimplementations agree]
LPS_SCALES = ("data", "he")


def _linear(layer: object) -> nn.Linear:
    if not isinstance(layer, nn.Linear):
        raise TypeError(f"expected an nn.Linear layer, got {type(layer).__name__}")
    return layer


def _check_k(k: float) -> float:
    if isinstance(k, bool) or not isinstance(k, (int, float)) or not -1.0 <= k <= 0.0:
        raise ValueError(f"k must be a number in [-1, 0] (k = -1: zero-sum rows, k = 0: uncorrelated), got {k!r}")
    return float(k)


def critical_sigma_w2(k: float) -> float:
    """σ_w² = 2π/(π + k): the weight variance (× fan_in) that preserves the second moment at correlation k."""
    return 2.0 * math.pi / (math.pi + _check_k(k))


def beta21(shape: Sequence[int], generator: torch.Generator | None = None,
           dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Beta(2, 1) draws (density 2x on [0, 1]) by inversion: √U, U uniform."""
    return torch.rand(*shape, generator=generator, dtype=dtype).sqrt()


def _one_entry(v: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """``v`` (…, out, fan_in + 1) with one uniformly chosen entry per row replaced by a Beta(2, 1) draw."""
    idx = torch.randint(0, v.shape[-1], (*v.shape[:-1], 1), generator=generator)
    return v.scatter(-1, idx, beta21((*v.shape[:-1], 1), generator, v.dtype))


def he_weights(fan_out: int, fan_in: int, *, batch: Sequence[int] = (), generator: torch.Generator | None = None,
               dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """He normal: W ~ N(0, 2/fan_in), b = 0; shapes (*batch, fan_out, fan_in) and (*batch, fan_out)."""
    w = torch.randn(*batch, fan_out, fan_in, generator=generator, dtype=dtype) * math.sqrt(2.0 / fan_in)
    return w, torch.zeros(*batch, fan_out, dtype=dtype)


def rai_weights(fan_out: int, fan_in: int, *, sigma: float = RAI_SIGMA, batch: Sequence[int] = (),
                generator: torch.Generator | None = None,
                dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """RAI: V = (W, b) i.i.d. N(0, σ²/fan_in), then one entry per row (bias included) replaced by Beta(2, 1)."""
    if not (isinstance(sigma, (int, float)) and math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}")
    v = torch.randn(*batch, fan_out, fan_in + 1, generator=generator, dtype=dtype) * (sigma / math.sqrt(fan_in))
    v = _one_entry(v, generator)
    return v[..., :fan_in].contiguous(), v[..., fan_in].contiguous()


def anticorrelated_weights(fan_out: int, fan_in: int, k: float = -0.5, *, batch: Sequence[int] = (),
                           generator: torch.Generator | None = None,
                           dtype: torch.dtype = torch.float32) -> torch.Tensor:
    r"""Rows ~ N(0, σ²[(1 − ρ) I + ρ 11ᵀ]), ρ = k/(N − 1), σ² = σ_w²/N, σ_w² = 2π/(π + k) (N = fan_in).

    Drawn as σ[√(1 − ρ) (z − z̄1) + √(1 + (N − 1)ρ) z̄1], z ~ N(0, I_N): the first part spans the zero-sum
    subspace, the second the ones direction. fan_in = 1 has no correlation to set: N(0, σ_w²)."""
    k = _check_k(k)
    sigma = math.sqrt(critical_sigma_w2(k) / fan_in)
    z = torch.randn(*batch, fan_out, fan_in, generator=generator, dtype=dtype)
    if fan_in == 1:
        return sigma * z
    rho = k / (fan_in - 1)
    mean = z.mean(-1, keepdim=True)
    return sigma * (math.sqrt(1 - rho) * (z - mean) + math.sqrt(max(1 + (fan_in - 1) * rho, 0.0)) * mean)


def anticorrelated_rai_weights(fan_out: int, fan_in: int, k: float = -0.5, *, batch: Sequence[int] = (),
                               generator: torch.Generator | None = None,
                               dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Anti-correlated rows (b = 0), one entry of each (w_i, b_i) replaced by Beta(2, 1) as in RAI, then every row
    scaled by s with s² E‖(w_i, b_i)‖² = σ_w² [ours]:
    E‖·‖² = N/(N+1) [(N − 1)σ² + ½] + 1/(N+1) [Nσ² + ½], σ² = σ_w²/N, E[B²] = ½ for B ~ Beta(2, 1)."""
    sigma_w2 = critical_sigma_w2(k)
    w = anticorrelated_weights(fan_out, fan_in, k, batch=batch, generator=generator, dtype=dtype)
    v = _one_entry(torch.cat([w, torch.zeros(*w.shape[:-1], 1, dtype=dtype)], -1), generator)
    n, var = fan_in, sigma_w2 / fan_in
    expected = n / (n + 1) * ((n - 1) * var + 0.5) + 1 / (n + 1) * (n * var + 0.5)
    v = v * math.sqrt(sigma_w2 / expected)
    return v[..., :fan_in].contiguous(), v[..., fan_in].contiguous()


def _cuts(z: torch.Tensor, tol: float) -> torch.Tensor:
    """Whether each neuron's values ``z`` (…, n) take both signs, beyond ``tol``."""
    return (z > tol).any(-1) & (z < -tol).any(-1)


def lps_weights(inputs: torch.Tensor, fan_out: int, *, scale: str = "data", max_tries: int = 10,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Our LPS reconstruction on a data cloud ``inputs`` (*batch, n, N), n ≥ 2 points of dimension N = fan_in.

    Neuron i: pick min(N, ⌊n/2⌋) distinct points X_S of the cloud; (w_i, b_i) = a random vector of the null space of
    [X_S, 1] (so w_i·x + b_i = 0 on every picked point: one linear factor of a linear-product start system);
    redrawn until the hyperplane cuts the cloud (points strictly on both sides), at most ``max_tries`` times,
    then through the cloud's mean with a Gaussian direction (which cuts any cloud of two or more distinct points).
    Scale: ``"data"`` — each neuron scaled to mean_x z_i(x)² = 2 mean_{j,x} h_j(x)² on the data (He's pre-activation
    second moment, measured instead of expected); ``"he"`` — every row scaled to ‖w_i‖² = 2 (He's expected norm)."""
    if scale not in LPS_SCALES:
        raise ValueError(f"unknown scale {scale!r}; valid: {', '.join(LPS_SCALES)}")
    if inputs.ndim < 2 or inputs.shape[-2] < 2:
        raise ValueError(f"inputs must have shape (..., n, fan_in) with n >= 2 points, got {tuple(inputs.shape)}")
    *batch, n, dim = inputs.shape
    x = inputs.detach().reshape(-1, n, dim).double()  # (B, n, N): the batch flattened, solved in float64
    m = min(dim, n // 2)  # fewer points than the cloud has, or the hyperplane could hold all of it
    tol = 1e-9 * (1.0 + x.abs().amax(dim=(-1, -2)))  # (B,)
    v = torch.zeros(x.shape[0], fan_out, dim + 1, dtype=x.dtype)
    todo = torch.ones(x.shape[0], fan_out, dtype=torch.bool)
    eye = torch.eye(m, dtype=x.dtype)
    for _ in range(max_tries):
        net, neuron = todo.nonzero(as_tuple=True)  # only the neurons still without a cutting hyperplane
        if len(net) == 0:
            break
        xs = x[net]  # (T, n, N)
        pick = torch.rand(len(net), n, generator=generator).argsort(-1)[:, :m]
        pts = torch.gather(xs, 1, pick.unsqueeze(-1).expand(-1, m, dim))
        a = torch.cat([pts, torch.ones(len(net), m, 1, dtype=x.dtype)], -1)  # (T, m, N + 1)
        r = torch.randn(len(net), dim + 1, 1, generator=generator, dtype=x.dtype)
        gram = a @ a.mT
        ridge = 1e-12 * gram.diagonal(dim1=-2, dim2=-1).sum(-1)[:, None, None] + 1e-30
        cand = (r - a.mT @ torch.linalg.solve(gram + ridge * eye, a @ r))[..., 0]  # onto the null space of a
        z = (xs @ cand[:, :dim, None])[..., 0] + cand[:, dim:]
        ok = _cuts(z, tol[net, None])
        v[net[ok], neuron[ok]] = cand[ok]
        todo[net[ok], neuron[ok]] = False
    if todo.any():  # the fallback: through the mean of the cloud
        net, neuron = todo.nonzero(as_tuple=True)
        w = torch.randn(len(net), dim, generator=generator, dtype=x.dtype)
        v[net, neuron] = torch.cat([w, -(w * x[net].mean(1)).sum(-1, keepdim=True)], -1)
    v = v.reshape(*batch, fan_out, dim + 1)
    x = x.reshape(*batch, n, dim)
    w, b = v[..., :dim], v[..., dim]
    if scale == "he":
        s = math.sqrt(2.0) / w.norm(dim=-1).clamp_min(1e-30)
        return (w * s.unsqueeze(-1)).to(inputs.dtype), (b * s).to(inputs.dtype)
    z_sq = (torch.einsum("...nd,...od->...on", x, w) + b.unsqueeze(-1)).square().mean(-1)  # (*batch, out)
    in_sq = x.square().mean(dim=(-1, -2)).unsqueeze(-1)
    s = torch.sqrt(2 * in_sq / z_sq.clamp_min(1e-300)).where(z_sq > 0, torch.ones_like(z_sq))
    return (w * s.unsqueeze(-1)).to(inputs.dtype), (b * s).to(inputs.dtype)


# ---------------------------------------------------------------- in place, one nn.Linear


def _copy(linear: nn.Linear, w: torch.Tensor, b: torch.Tensor | None) -> nn.Linear:
    with torch.no_grad():
        linear.weight.copy_(w.to(linear.weight.dtype))
        if linear.bias is not None:
            linear.bias.copy_(torch.zeros_like(linear.bias) if b is None else b.to(linear.bias.dtype))
    return linear


def _needs_bias(linear: nn.Linear, name: str) -> None:
    if linear.bias is None:
        raise ValueError(f"{name} draws the bias with the weights; the layer has bias=False")


def rai_(linear: nn.Linear, sigma: float = RAI_SIGMA, generator: torch.Generator | None = None) -> nn.Linear:
    r"""RAI in place: (w_i, b_i) ~ N(0, σ²/fan_in) i.i.d., then one of the fan_in + 1 entries ~ Beta(2, 1)."""
    _needs_bias(_linear(linear), "RAI")
    w, b = rai_weights(linear.out_features, linear.in_features, sigma=sigma, generator=generator,
                       dtype=linear.weight.dtype)
    return _copy(linear, w, b)


def anticorrelated_(linear: nn.Linear, k: float = -0.5, generator: torch.Generator | None = None) -> nn.Linear:
    r"""Anti-correlated rows in place: corr(W_ij, W_ij') = k/(N − 1), Var W_ij = 2π/((π + k) N), b = 0."""
    w = anticorrelated_weights(_linear(linear).out_features, linear.in_features, k, generator=generator,
                               dtype=linear.weight.dtype)
    return _copy(linear, w, None)


def anticorrelated_rai_(linear: nn.Linear, k: float = -0.5, generator: torch.Generator | None = None) -> nn.Linear:
    r"""Anti-correlated rows + one Beta(2, 1) entry per (w_i, b_i), rows rescaled to E‖(w_i, b_i)‖² = 2π/(π + k)."""
    _needs_bias(_linear(linear), "the combined scheme")
    w, b = anticorrelated_rai_weights(linear.out_features, linear.in_features, k, generator=generator,
                                      dtype=linear.weight.dtype)
    return _copy(linear, w, b)


def lps_(linear: nn.Linear, inputs: torch.Tensor, scale: str = "data",
         generator: torch.Generator | None = None) -> nn.Linear:
    r"""Our LPS reconstruction in place, from ``inputs`` (n × fan_in): a batch of the LAYER's input (for a hidden
    layer, the previous layers' output on the data). Every hyperplane w_i·h + b_i = 0 passes through fan_in of
    the points and cuts the cloud; see :func:`lps_weights`."""
    _needs_bias(_linear(linear), "LPS")
    if not isinstance(inputs, torch.Tensor) or inputs.ndim != 2 or inputs.shape[1] != linear.in_features:
        shape = tuple(inputs.shape) if isinstance(inputs, torch.Tensor) else type(inputs).__name__
        raise ValueError(f"inputs must be a tensor of shape (n, {linear.in_features}), got {shape}")
    w, b = lps_weights(inputs.to(torch.float64), linear.out_features, scale=scale, generator=generator)
    return _copy(linear, w, b)
