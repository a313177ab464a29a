r"""Where SFLI goes in a net: :func:`apply_sfli` ``where=`` one of :data:`WHERE`. The paper does not say where
SFLI acts in the modified MLP or PirateNet; every option below is OUR choice, to be compared [ours].

* ``"first"`` (default) — the first dense layer only: the layer that reads x (``model.first``, else the first
  ``nn.Linear``), by :func:`sfli.init.sfli_` on Ω. In a net with an embedding (PirateNet with a periodic or
  Fourier embedding) the first dense layer reads Φ(x), not x: it gets :func:`sfli_features_` (as
  ``"after_embedding"``).
* ``"encoders"`` — the first dense layer and the U/V encoders (``encoder_u``, ``encoder_v``: ModifiedMLP,
  PirateNet), each drawn independently, by the same rule as ``"first"``.
* ``"after_embedding"`` — nets with an embedding only: the first dense layer after it, by
  :func:`sfli_features_` with the embedding's image Φ(Ω) as its domain.
* ``"embedding"`` — nets with a Fourier embedding only: its frequencies B set SFLI-like by
  :func:`sfli_fourier_` (the periodic family's rule); the dense layers are left alone.

A random-weight-factorized layer gets its effective weight set and is refactorized inside (no manual
``refactorize_()``).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .activations import FAMILIES, family
from .domain import Box, DomainLike, as_box
from .init import check_derivative_order, default_gamma, first_linear, infer_activation, sfli_, write_layer_

WHERE = ("first", "encoders", "after_embedding", "embedding")
N_SAMPLES = 4096
"""Points of Ω (uniform random, plus its corners) on which the image of an embedding is sampled."""


def domain_samples(box: Box, n: int = N_SAMPLES, generator: torch.Generator | None = None) -> torch.Tensor:
    """n uniform random points of the box and its 2^d corners (d ≤ 10), float64."""
    lo, hi = torch.tensor(box.lower, dtype=torch.float64), torch.tensor(box.upper, dtype=torch.float64)
    pts = lo + (hi - lo) * torch.rand(n, box.dim, generator=generator, dtype=torch.float64)
    if box.dim <= 10:
        corners = torch.cartesian_prod(*[torch.tensor([a, b], dtype=torch.float64)
                                         for a, b in zip(box.lower, box.upper)]).reshape(-1, box.dim)
        pts = torch.cat([corners, pts])
    return pts


def sfli_features_(
    linear: nn.Linear,
    features: torch.Tensor,
    input_dim: int,
    activation: str = "tanh",
    gamma: float | None = None,
    derivative_order: int = 0,
    generator: torch.Generator | None = None,
) -> nn.Linear:
    r"""SFLI for a layer that reads features Φ(x) of x ∈ Ω (an embedding's output), given samples Φ_j of Φ(Ω).

    Sigmoidal/radial/ReLU: W_i = γ a_i, b_i = −γ s_i with a_i uniform on the unit sphere of the feature space and
    s_i uniform on [min_j a_i·Φ_j, max_j a_i·Φ_j], so every transition hyperplane cuts the image Φ(Ω) (not the
    bounding box of Φ(Ω), which in high dimension the image barely fills). With ℓ the mean projected range
    max − min over the neurons, n = max(m^{1/d} − 1, 1) and d = ``input_dim`` (Ω's dimension, the image's):

        γ = n^{1/(k+1)} / ℓ  (× 2 for the logistic sigmoid), k = ``derivative_order``,

    which is :func:`sfli.init.default_gamma` when Φ is the identity (ℓ = |Ω| in 1-D). ReLU family: γ gives the
    post-activations unit mean square over the samples. Periodic family: a_i ~ N(0, I), b_i = φ_i − γ a_i·Φ̄
    (Φ̄ the mean sample), γ = (π m^{1/d}/2)^{1/(k+1)} / ℓ. Returns the layer. [ours]
    """
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"expected an nn.Linear layer, got {type(linear).__name__}")
    if linear.bias is None:
        raise ValueError("SFLI needs a bias to place the transitions; the layer has bias=False")
    k = check_derivative_order(derivative_order)
    phi = features.detach().to(device="cpu", dtype=torch.float64)
    if phi.dim() != 2 or phi.shape[1] != linear.in_features:
        raise ValueError(f"features must be N×{linear.in_features} (the layer's inputs), got {tuple(phi.shape)}")
    m, fam = linear.out_features, family(activation)
    a = torch.randn(m, phi.shape[1], generator=generator, dtype=torch.float64)
    unit = a / a.norm(dim=1, keepdim=True).clamp_min(1e-12)
    proj = phi @ unit.T
    lo, hi = proj.min(dim=0).values, proj.max(dim=0).values
    ell = float((hi - lo).mean())
    if not ell > 0:
        raise ValueError("the features are constant on the samples of Ω; SFLI cannot place transitions")
    root = m ** (1.0 / input_dim)
    if fam == "periodic":
        phase = torch.rand(m, generator=generator, dtype=torch.float64)
        g = gamma if gamma is not None else (math.pi * root / 2.0) ** (1.0 / (k + 1)) / ell
        weight, bias = g * a, 2 * math.pi * phase - g * (a @ phi.mean(dim=0))
    else:
        s = lo + (hi - lo) * torch.rand(m, generator=generator, dtype=torch.float64)
        if gamma is not None:
            g = float(gamma)
        elif fam == "relu":
            g = math.sqrt(2.0 / float(((proj - s) ** 2).mean()))
        else:
            g = max(root - 1.0, 1.0) ** (1.0 / (k + 1)) / ell * (2.0 if activation == "sigmoid" else 1.0)
        weight, bias = g * unit, -g * s
    return write_layer_(linear, weight, bias, generator)


def sfli_fourier_(
    fourier: nn.Module,
    domain: DomainLike,
    gamma: float | None = None,
    derivative_order: int = 0,
    generator: torch.Generator | None = None,
) -> nn.Module:
    r"""Set a Fourier embedding's frequencies SFLI-like (in place): γ(x) = [cos(xB), sin(xB)] with
    B = γ A, A ~ N(0, I) (in_dim × m, m = dim/2 frequencies), γ = :func:`sfli.init.default_gamma` of the
    periodic family for m neurons on ``domain`` (the embedding's input box) and ``derivative_order`` k:
    γ = π m^{1/d} / (2 |Ω|^{1/d}) for k = 0. This is jaxpi's B ~ N(0, s²) with the scale s = γ; the cos/sin
    pair covers every phase, so no offset is needed. Returns the embedding. [ours]"""
    B = getattr(fourier, "B", None)
    if not isinstance(B, torch.Tensor) or B.dim() != 2:
        raise TypeError(f"expected a Fourier embedding with a frequency matrix B, got {type(fourier).__name__}")
    box = as_box(domain, dim=B.shape[0])
    g = gamma if gamma is not None else default_gamma("sin", B.shape[1], box, derivative_order)
    A = torch.randn(B.shape, generator=generator, dtype=torch.float64)
    with torch.no_grad():
        B.copy_((g * A).to(B.dtype))
    return fourier


def _bounding_box(points: torch.Tensor) -> Box:
    lo, hi = points.min(dim=0).values, points.max(dim=0).values
    hi = torch.maximum(hi, lo + 1e-12)
    return Box(tuple(float(v) for v in lo), tuple(float(v) for v in hi))


def apply_sfli(
    model: nn.Module, domain: DomainLike, activation: str | None = None, where: str = "first", **options
) -> nn.Module:
    """Apply SFLI to ``model`` (in place) at the named place ``where`` (:data:`WHERE`, see the module
    docstring); returns the model. ``options`` go to :func:`sfli.init.sfli_` (``gamma``, ``placement``,
    ``generator``, ``derivative_order``); on layers after an embedding only ``placement="random"`` exists.

    >>> model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 1))
    >>> _ = apply_sfli(model, [(0, 1), (0, 1)])      # the one line
    """
    if where not in WHERE:
        raise ValueError(f"unknown where={where!r}; valid: {', '.join(WHERE)}")
    if activation is None:
        activation = infer_activation(model)
        if activation is None:
            raise ValueError(
                f"cannot infer the activation of {type(model).__name__}; pass activation= one of "
                f"{', '.join(n for members in FAMILIES.values() for n in members)}")
    box = as_box(domain)
    generator = options.get("generator")
    periodic, fourier = getattr(model, "periodic", None), getattr(model, "fourier", None)
    embedded = (periodic is not None or fourier is not None) and callable(getattr(model, "embed", None))
    kind = type(model).__name__
    if where == "embedding":
        if fourier is None:
            raise ValueError(f"where='embedding' sets a Fourier embedding's frequencies; this {kind} has none "
                             "(valid here: first, encoders" + (", after_embedding)" if embedded else ")"))
        unknown = set(options) - {"gamma", "derivative_order", "generator"}
        if unknown:
            raise ValueError(f"where='embedding' takes gamma, derivative_order, generator; got {sorted(unknown)}")
        in_box = box
        if periodic is not None:
            with torch.no_grad():
                in_box = _bounding_box(periodic(domain_samples(box, generator=generator)))
        sfli_fourier_(fourier, in_box, **options)
        return model
    if where == "after_embedding" and not embedded:
        raise ValueError(f"where='after_embedding' needs a net with a periodic or Fourier embedding; this {kind} "
                         "has none (valid here: first, encoders)")
    first = getattr(model, "first", None)
    layers = [first if isinstance(first, nn.Linear) else first_linear(model)[1]]
    if where == "encoders":
        enc = [getattr(model, name, None) for name in ("encoder_u", "encoder_v")]
        if not all(isinstance(e, nn.Linear) for e in enc):
            raise ValueError(f"where='encoders' needs U/V encoders (encoder_u, encoder_v: ModifiedMLP, PirateNet); "
                             f"this {kind} has none (valid here: first)")
        layers += enc
    if not embedded:
        for layer in layers:
            sfli_(layer, box, activation, **options)
        return model
    if options.get("placement", "random") != "random":
        raise ValueError("after an embedding only placement='random' is available")
    unknown = set(options) - {"gamma", "derivative_order", "generator", "placement"}
    if unknown:
        raise ValueError(f"unknown options {sorted(unknown)} for a layer after an embedding")
    x = domain_samples(box, generator=generator)
    param = next(model.parameters())
    with torch.no_grad():
        phi = model.embed(x.to(device=param.device, dtype=param.dtype))
    for layer in layers:
        sfli_features_(layer, phi, box.dim, activation, options.get("gamma"), options.get("derivative_order", 0),
                       generator)
    return model
