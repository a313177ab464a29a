r"""PirateNet (Wang, Li, Chen & Perdikaris 2024, as in jaxpi) and its parts: periodic and random Fourier
embeddings, random weight factorization (:class:`FactorizedLinear`) and the gated residual block.

Φ = γ(P(x)) with P the periodic embedding (optional) and γ the random Fourier embedding (optional);
U = σ(W_u Φ + b_u), V = σ(W_v Φ + b_v); the residual stream starts at x₀ = Φ (with the Fourier embedding, whose
width is the net's width) or x₀ = σ(W₀ Φ + b₀) (without it); each block maps x ↦ α h + (1 − α) x with

    f = σ(W₁ x + b₁), z₁ = f ⊙ U + (1 − f) ⊙ V, g = σ(W₂ z₁ + b₂), z₂ = g ⊙ U + (1 − g) ⊙ V, h = σ(W₃ z₂ + b₃)

and a trainable α initialized at 0 (so the net starts as u = W_out x₀ + b_out); the output layer is linear.
The least-squares initialization of the output layer from the paper is not implemented.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .activations import ACTIVATIONS, check_activation
from .init import initialize_
from .jet import Jet, linear


class FactorizedLinear(nn.Linear):
    r"""``nn.Linear`` with random weight factorization: W = diag(exp(s)) V, trained as (s, V).

    ``weight`` holds V and ``log_scale`` holds s; the layer computes x ↦ W x + b with W = ``effective_weight``.
    Built with s = 0, so W = V and any initializer that writes ``weight`` in place (``torch.nn.init``,
    :func:`sfli.init.initialize_`) sets W; then :meth:`refactorize_` draws s ~ N(mean, std) and sets
    V = W / exp(s), leaving the function unchanged. After a refactorization, an in-place write to ``weight`` sets
    V. :func:`sfli.init.sfli_` and :func:`sfli.apply_sfli` handle this themselves: they set s = 0, write W and
    refactorize (:func:`sfli.init.write_layer_`), so no manual :meth:`refactorize_` is needed after them.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, mean: float = 1.0,
                 std: float = 0.1, device=None, dtype=None) -> None:
        super().__init__(in_features, out_features, bias, device=device, dtype=dtype)
        if not (math.isfinite(mean) and math.isfinite(std) and std >= 0):
            raise ValueError(f"rwf needs a finite mean and std ≥ 0, got mean={mean!r}, std={std!r}")
        self.mean, self.std = float(mean), float(std)
        self.log_scale = nn.Parameter(torch.zeros(out_features, device=device, dtype=dtype))

    @property
    def effective_weight(self) -> torch.Tensor:
        """W = diag(exp(s)) V."""
        return torch.exp(self.log_scale)[:, None] * self.weight

    @torch.no_grad()
    def refactorize_(self, generator: torch.Generator | None = None) -> "FactorizedLinear":
        """Treat ``weight`` as the full weight W, draw s ~ N(mean, std) and set V = W / exp(s)."""
        s = torch.randn(self.out_features, generator=generator, dtype=torch.float64) * self.std + self.mean
        s = s.to(self.weight)
        self.log_scale.copy_(s)
        self.weight.div_(torch.exp(s)[:, None])
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.effective_weight, self.bias)

    def forward_jet(self, jet: Jet) -> Jet:
        return jet.affine(self.effective_weight, self.bias)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, rwf=(mean={self.mean:g}, std={self.std:g})"


class PeriodicEmbedding(nn.Module):
    """x ↦ x with each axis i in ``periods`` replaced by (cos(k_i x_i), sin(k_i x_i)), k_i = 2π / period_i."""

    def __init__(self, in_dim: int, periods: dict[int, float]) -> None:
        super().__init__()
        if not periods or any(not isinstance(i, int) or not 0 <= i < in_dim for i in periods):
            raise ValueError(f"periods must map input axes in [0, {in_dim}) to periods, got {periods!r}")
        if any(not (isinstance(p, (int, float)) and math.isfinite(p) and p > 0) for p in periods.values()):
            raise ValueError(f"periods must be positive and finite, got {periods!r}")
        self.in_dim, self.periods = in_dim, dict(sorted(periods.items()))
        self.out_dim = in_dim + len(periods)

    def _wave(self, i: int) -> float:
        return 2 * math.pi / self.periods[i]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cols = []
        for i in range(self.in_dim):
            xi = x[:, i:i + 1]
            cols += [torch.cos(xi * self._wave(i)), torch.sin(xi * self._wave(i))] if i in self.periods else [xi]
        return torch.cat(cols, dim=1)

    def forward_jet(self, jet: Jet) -> Jet:
        cols = []
        for i in range(self.in_dim):
            xi = jet.columns(i)
            cols += [(xi * self._wave(i)).activate(f) for f in ("cos", "sin")] if i in self.periods else [xi]
        return type(jet).cat(cols)  # a Jet, or a first-order jet (sfli.first_order)

    def extra_repr(self) -> str:
        return f"periods={self.periods}"


class FourierEmbedding(nn.Module):
    """γ(x) = [cos(x B), sin(x B)] with a fixed B ~ N(0, scale²) of shape in_dim × dim/2 (a buffer)."""

    def __init__(self, in_dim: int, dim: int, scale: float = 1.0, generator: torch.Generator | None = None) -> None:
        super().__init__()
        if dim < 2 or dim % 2:
            raise ValueError(f"the Fourier embedding needs an even dimension ≥ 2, got {dim}")
        if not (isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0):
            raise ValueError(f"fourier_scale must be a positive number or None, got {scale!r}")
        self.scale = float(scale)
        self.register_buffer("B", torch.randn(in_dim, dim // 2, generator=generator) * scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = x @ self.B
        return torch.cat([torch.cos(z), torch.sin(z)], dim=1)

    def forward_jet(self, jet: Jet) -> Jet:
        z = jet.matmul(self.B)
        return type(jet).cat([z.activate("cos"), z.activate("sin")])


class PirateBlock(nn.Module):
    """x ↦ α h + (1 − α) x with h = σ(W₃ z₂ + b₃), z₂ and z₁ gated by U, V (see the module docstring)."""

    def __init__(self, width: int, activation: str, dense) -> None:
        super().__init__()
        self.activation = activation
        self.dense1, self.dense2, self.dense3 = dense(width, width), dense(width, width), dense(width, width)
        self.alpha = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor, v: torch.Tensor, u_minus_v: torch.Tensor) -> torch.Tensor:
        act = ACTIVATIONS[self.activation]
        z1 = v + act(self.dense1(x)) * u_minus_v  # = f ⊙ U + (1 − f) ⊙ V
        z2 = v + act(self.dense2(z1)) * u_minus_v
        h = act(self.dense3(z2))
        return self.alpha * h + (1 - self.alpha) * x

    def forward_jet(self, x: Jet, v: Jet, u_minus_v: Jet) -> Jet:
        z1 = v + linear(self.dense1, x).activate(self.activation) * u_minus_v
        z2 = v + linear(self.dense2, z1).activate(self.activation) * u_minus_v
        h = linear(self.dense3, z2).activate(self.activation)
        return h * self.alpha + x * (1 - self.alpha)


class PirateNet(nn.Module):
    r"""PirateNet with ``depth`` residual blocks (3 dense layers each) of ``width`` neurons.

    ``periods``: {axis: period} for the periodic embedding (None: none); ``fourier_scale``: s of the random
    Fourier embedding B ~ N(0, s²) of dimension ``width`` (None: none, and an input layer σ(W₀Φ + b₀) lifts
    Φ to the width); ``rwf``: (mean, std) of the random weight factorization of every dense layer (None: none).
    Dense layers are initialized by ``init`` (default Xavier normal, zero biases, as jaxpi), before factorization.

    ``first`` is the dense layer that starts the residual stream (the input layer, or the first block's W₁)
    and the first ``nn.Linear`` registered, so :func:`sfli.apply_sfli` acts on it; behind an embedding it reads
    Φ(x) and gets SFLI on the image Φ(Ω). Where SFLI belongs in PirateNet is not known from the paper: the named
    choices are ``apply_sfli(model, domain, where=…)`` (:mod:`sfli.placement`).
    """

    def __init__(
        self,
        in_dim: int,
        width: int,
        depth: int,
        out_dim: int = 1,
        activation: str = "tanh",
        init: str = "xavier_normal",
        generator: torch.Generator | None = None,
        *,
        periods: dict[int, float] | None = None,
        fourier_scale: float | None = 1.0,
        rwf: tuple[float, float] | None = None,
    ) -> None:
        super().__init__()
        for name, value in (("in_dim", in_dim), ("width", width), ("depth", depth), ("out_dim", out_dim)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if init == "sfli":
            raise ValueError("init='sfli' needs the domain: build the net, then call sfli.apply_sfli(model, domain)")
        if rwf is not None and (not isinstance(rwf, (tuple, list)) or len(rwf) != 2):
            raise ValueError(f"rwf must be (mean, std) or None, got {rwf!r}")
        self.activation = check_activation(activation)

        def dense(a: int, b: int) -> nn.Linear:
            return FactorizedLinear(a, b, mean=rwf[0], std=rwf[1]) if rwf is not None else nn.Linear(a, b)

        if fourier_scale is not None and width % 2:
            raise ValueError(f"with a Fourier embedding (of the net's width) the width must be even, got {width}")
        self.periodic = PeriodicEmbedding(in_dim, periods) if periods else None
        embed_dim = self.periodic.out_dim if self.periodic is not None else in_dim
        self.fourier = (FourierEmbedding(embed_dim, width, fourier_scale, generator)
                        if fourier_scale is not None else None)
        self.input_layer = dense(embed_dim, width) if self.fourier is None else None
        stream_dim = embed_dim if self.fourier is None else width
        self.blocks = nn.ModuleList(PirateBlock(width, activation, dense) for _ in range(depth))
        self.encoder_u, self.encoder_v = dense(stream_dim, width), dense(stream_dim, width)
        self.output = dense(width, out_dim)
        for layer in self.modules():
            if isinstance(layer, nn.Linear):
                initialize_(layer, init, generator=generator)
                if isinstance(layer, FactorizedLinear):
                    layer.refactorize_(generator)

    @property
    def first(self) -> nn.Linear:
        """The dense layer that starts the residual stream (where :func:`sfli.apply_sfli` acts)."""
        return self.input_layer if self.input_layer is not None else self.blocks[0].dense1

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Φ = γ(P(x))."""
        if self.periodic is not None:
            x = self.periodic(x)
        return self.fourier(x) if self.fourier is not None else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = ACTIVATIONS[self.activation]
        phi = self.embed(x)
        u, v = act(self.encoder_u(phi)), act(self.encoder_v(phi))
        h = act(self.input_layer(phi)) if self.input_layer is not None else phi
        u_minus_v = u - v
        for block in self.blocks:
            h = block(h, v, u_minus_v)
        return self.output(h)

    def forward_jet(self, jet: Jet) -> Jet:
        if self.periodic is not None:
            jet = self.periodic.forward_jet(jet)
        phi = self.fourier.forward_jet(jet) if self.fourier is not None else jet
        u = linear(self.encoder_u, phi).activate(self.activation)
        v = linear(self.encoder_v, phi).activate(self.activation)
        h = linear(self.input_layer, phi).activate(self.activation) if self.input_layer is not None else phi
        u_minus_v = u - v
        for block in self.blocks:
            h = block.forward_jet(h, v, u_minus_v)
        return linear(self.output, h)
