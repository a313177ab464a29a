r"""Initializers for ``nn.Linear`` layers, in the ``torch.nn.init`` style (in place, trailing underscore).

SFLI (structured first-layer initialization, arXiv:2507.11962) sets the first layer so its neuron functions
are spread over the domain Ω and hence ε-linearly independent. The paper's exact recipe is not available;
the construction here is the book's reconstruction (see ../shared/papers/sfli.md):

* sigmoidal, radial and ReLU families: neuron i is σ(γ (a_i·(x − x_c) − s_i)) with a_i a unit direction and
  the transition hyperplane {a_i·(x − x_c) = s_i} cutting Ω: s_i uniform on [−h(a_i), h(a_i)], where
  h(a) = Σ_k |a_k| (b_k − a_k)/2 is the support function of the centred box. This is the uniform
  (motion-invariant) density of hyperplanes that meet Ω, the box analogue of TransNet's unit-ball rule.
* periodic family: neuron i is σ(γ a_i·(x − x_c) + φ_i) with a_i ~ N(0, I) and phases φ_i uniform on [0, 2π).

``placement="random"`` draws directions and offsets i.i.d.; ``placement="quasi"`` uses equispaced offsets with
alternating directions in 1-D and a scrambled Sobol sequence in higher dimension.
"""
from __future__ import annotations

import math
import warnings
from typing import Callable

import torch
from scipy.special import ndtri
from scipy.stats import qmc
from torch import nn

from .activations import FAMILIES, activation_name, check_activation, family
from .domain import Box, DomainLike, as_box

PLACEMENTS = ("random", "quasi")


def _check_linear(layer: object) -> nn.Linear:
    if not isinstance(layer, nn.Linear):
        raise TypeError(f"expected an nn.Linear layer, got {type(layer).__name__}")
    return layer


def check_derivative_order(derivative_order: object) -> int:
    """``derivative_order`` validated: an integer k ≥ 0, the highest derivative order in the loss."""
    if isinstance(derivative_order, bool) or not isinstance(derivative_order, int) or derivative_order < 0:
        raise ValueError(f"derivative_order must be an integer ≥ 0 (the highest derivative order in the loss: "
                         f"0 for regression, 1 for a first-order PDE, 2 for Poisson, heat, …), got {derivative_order!r}")
    return derivative_order


def default_gamma(activation: str, width: int, domain: DomainLike, derivative_order: int = 0) -> float:
    r"""Default SFLI scale γ for the sigmoidal, radial and periodic families.

    Sigmoidal/radial: γ = (m^{1/d} − 1) / |Ω|^{1/d}, so the transition width 1/γ matches the spacing between
    neighbouring transitions [secondary: C = 1 in a third-party reading of the paper]; doubled for the
    logistic sigmoid, whose transition is twice as wide as tanh's [ours].
    Periodic: γ = π m^{1/d} / (2 |Ω|^{1/d}), frequencies |γ a| spread up to the Nyquist-like band of m modes
    on Ω [ours]. The ReLU family is positively homogeneous: its γ is set inside :func:`sfli_` so the
    post-activations have unit mean square over Ω and the offsets (He-like scaling) [ours].

    ``derivative_order`` = k > 0 (the loss holds derivatives up to order k, e.g. k = 2 for a Poisson PINN):
    with L = |Ω|^{1/d} and n = γ₀ L the k = 0 value in units of the domain (n = max(m^{1/d} − 1, 1), or
    π m^{1/d}/2 for the periodic family),

        γ_k = n^{1/(k+1)} / L      (× 2 for the logistic sigmoid; γ_0 is the value above, unchanged).

    Rationale [ours, a heuristic]: the k-th derivative of a first-layer feature σ(γ(a·x − s)) is γ^k σ^{(k)}, so
    a residual of order k sees the features amplified by (γL)^k relative to their values — the width-resolution
    rule γL = n makes the initial residual (and its gradient) grow like n^k with the width. γ_k trades the two
    off evenly on a log scale: the amplification (γ_k L)^k times the steepness γ_k L is n, the k = 0 steepness,
    i.e. (γ_k L)^{k+1} = n. For a 1-D width-50 tanh layer on [−1, 1] and k = 2: γ_0 = 24.5, γ_2 = 1.83 (13× smaller).
    Measured on a 1-D Poisson PINN (−u″ = π² sin πx on [−1, 1], tanh MLP of width m = 64 and 256, Adam, 5 seeds;
    ``benchmarks/gamma_pde.py``, numbers in its docstring): the k = 0 default fails there (error ≈ 1, 10³–10⁴×
    Xavier's); γ_2 gives 0.35× (m = 64) and 0.41× (m = 256, geometric mean 1.2×) Xavier's median error. The best
    γ of a 4×-step sweep was ≈ 2 at both widths, so the m^{1/3} growth of γ_k is not confirmed by that data. On
    the book's 2-D Poisson2D (m = 128, 3 seeds) γ_0 = 10.3 works (0.43× Xavier) and γ_2 = 2.18 gives 0.34×.
    Chapter 8 sweeps γ = f·γ_0 (f = 0.1, 1, 10) and γ_2 on its four PINNs (multi-scale Poisson, Helmholtz,
    Allen–Cahn, Burgers; inputs (x, y) or (x, t); MLP 2×32, Adam 1e-3, 400 steps, 2 seeds; its record's
    ``gamma/…`` metrics). Geometric mean over the problems of the median final error relative to the best plain
    baseline's (Xavier normal or PyTorch's default), ci record of 2026-12-04: 1.18, 0.81, 1.59 at f = 0.1, 1, 10
    and 1.03 at γ_2 (per problem γ_2: 0.92, 1.06, 1.10, 1.04; γ_0: 0.63, 0.63, 1.07, 1.02). With two input
    dimensions and m = 32, γ_0 is only ≈ 3× γ_2: γ_0 does not fail there and was the better of the two.

    DECISION [ours, from these measurements together]: ``derivative_order`` stays an explicit option whose
    default 0 is the approximation rule, because a function cannot know what loss it serves; a PINN passes the
    highest derivative order of its loss (``apply_sfli(model, domain, derivative_order=2)`` for second-order
    PDEs, as the README's one line shows). γ_k has not failed in any measured case (at worst 1.1× the baseline's
    error above, 1.2× in 1-D), while γ_0 fails outright on wide 1-D first layers (10³–10⁴×); in 2-D γ_0 can be
    better (≈ 0.8× against γ_2's ≈ 1.0×), the price of the rule where the default is harmless.
    """
    box = as_box(domain)
    fam = family(activation)
    k = check_derivative_order(derivative_order)
    if fam == "relu":
        raise ValueError("the ReLU-family γ depends on the sampled directions; it is set inside sfli_")
    side = box.volume ** (1.0 / box.dim)
    root = width ** (1.0 / box.dim)
    if k > 0:
        n = math.pi * root / 2.0 if fam == "periodic" else max(root - 1.0, 1.0)
        gamma = n ** (1.0 / (k + 1)) / side
        return 2.0 * gamma if activation == "sigmoid" else gamma
    if fam == "periodic":
        return math.pi * root / (2.0 * side)
    gamma = max(root - 1.0, 1.0) / side
    return 2.0 * gamma if activation == "sigmoid" else gamma


def _sobol(dim: int, m: int, generator: torch.Generator | None):
    """m scrambled Sobol points in [0, 1)^dim, scrambled from ``generator`` (any m; 2^k is best balanced)."""
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return qmc.Sobol(dim, scramble=True, seed=seed).random(m)


def _directions_offsets(m: int, box: Box, placement: str, generator: torch.Generator | None):
    """Unit directions a (m×d) and hyperplane offsets s (m) with |s_i| ≤ h(a_i), as float64."""
    d = box.dim
    half = torch.tensor(box.half_widths, dtype=torch.float64)
    if placement == "quasi" and d == 1:
        a = torch.tensor([[1.0 if i % 2 == 0 else -1.0] for i in range(m)], dtype=torch.float64)
        u = (torch.arange(m, dtype=torch.float64) + 0.5) / m
        u = torch.where(a[:, 0] > 0, u, 1 - u)  # alternate directions, equispaced transitions
    else:
        if placement == "quasi":
            sample = _sobol(d + 1, m, generator)
            u_dir, u = torch.as_tensor(ndtri(sample[:, :d])), torch.as_tensor(sample[:, d])
        else:
            u_dir = torch.randn(m, d, generator=generator, dtype=torch.float64)
            u = torch.rand(m, generator=generator, dtype=torch.float64)
        a = u_dir / u_dir.norm(dim=1, keepdim=True).clamp_min(1e-12)
    h = (a.abs() * half).sum(dim=1)
    return a, (2 * u - 1) * h


def sfli_(
    linear: nn.Linear,
    domain: DomainLike,
    activation: str = "tanh",
    gamma: float | None = None,
    placement: str = "random",
    generator: torch.Generator | None = None,
    derivative_order: int = 0,
) -> nn.Linear:
    r"""Structured first-layer initialization of ``linear`` (in place) for inputs in the box ``domain``.

    Sets W_i = γ a_i and b_i = −γ (a_i·x_c + s_i), so neuron i is σ(γ(a_i·(x − x_c) − s_i)) with its
    transition hyperplane inside Ω (periodic family: W_i = γ a_i, a_i ~ N(0, I), b_i = φ_i − W_i·x_c).
    ``gamma`` defaults to :func:`default_gamma` for the highest ``derivative_order`` k in the loss (k = 0, the
    default, is the approximation rule; see :func:`default_gamma` for k > 0; the ReLU family's γ is an output
    scale, not a steepness, and ignores k); ``placement`` is ``"random"`` or ``"quasi"``.
    A random-weight-factorized layer (one with ``log_scale`` and ``refactorize_``, :class:`sfli.FactorizedLinear`)
    gets the EFFECTIVE weight W set, then is refactorized from ``generator``. Returns the layer.
    """
    _check_linear(linear)
    if linear.bias is None:  # checked first, so a failing call leaves the layer untouched
        raise ValueError("SFLI needs a bias to place the transitions; the layer has bias=False")
    box = as_box(domain, dim=linear.in_features)
    activation = check_activation(activation)
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown placement {placement!r}; valid: {', '.join(PLACEMENTS)}")
    if gamma is not None and (isinstance(gamma, bool) or not isinstance(gamma, (int, float))
                              or not math.isfinite(gamma) or gamma <= 0):
        raise ValueError(f"gamma must be a positive finite number or None, got {gamma!r}")
    k = check_derivative_order(derivative_order)
    m, fam = linear.out_features, family(activation)
    center = torch.tensor(box.center, dtype=torch.float64)

    if fam == "periodic":
        if placement == "quasi":
            sample = _sobol(box.dim + 1, m, generator)
            a, phase = torch.as_tensor(ndtri(sample[:, :-1])), torch.as_tensor(sample[:, -1])
        else:
            a = torch.randn(m, box.dim, generator=generator, dtype=torch.float64)
            phase = torch.rand(m, generator=generator, dtype=torch.float64)
        g = gamma if gamma is not None else default_gamma(activation, m, box, k)
        weight, bias = g * a, 2 * math.pi * phase - g * (a @ center)
    else:
        a, s = _directions_offsets(m, box, placement, generator)
        if gamma is not None:
            g = float(gamma)
        elif fam == "relu":  # unit mean square of relu(g z) for x uniform on Ω and the sampled offsets
            half_sq = torch.tensor(box.half_widths, dtype=torch.float64) ** 2
            mean_sq = ((a**2 * half_sq).sum(1) / 3 + s**2).mean()  # E_x[(a·(x − x_c) − s)²], x ~ U(Ω)
            g = math.sqrt(2.0 / float(mean_sq))
        else:
            g = default_gamma(activation, m, box, k)
        weight, bias = g * a, -g * (a @ center + s)
    return write_layer_(linear, weight, bias, generator)


def write_layer_(linear: nn.Linear, weight: torch.Tensor, bias: torch.Tensor,
                 generator: torch.Generator | None = None) -> nn.Linear:
    """Set the layer's map to x ↦ W x + b (in place). A random-weight-factorized layer (with ``log_scale`` and
    ``refactorize_``) gets s = 0 first, so ``weight`` is W, then :meth:`refactorize_` from ``generator``."""
    factorized = hasattr(linear, "log_scale") and callable(getattr(linear, "refactorize_", None))
    with torch.no_grad():
        if factorized:
            linear.log_scale.zero_()
        linear.weight.copy_(weight.to(linear.weight.dtype))
        linear.bias.copy_(bias.to(linear.bias.dtype))
    if factorized:
        linear.refactorize_(generator)
    return linear


# ---------------------------------------------------------------- baselines

def pytorch_default_(linear: nn.Linear, generator: torch.Generator | None = None) -> nn.Linear:
    """PyTorch's own ``nn.Linear`` default: W, b ~ U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5)."""
    _check_linear(linear)
    bound = 1.0 / math.sqrt(linear.in_features)
    nn.init.kaiming_uniform_(linear.weight, a=math.sqrt(5), generator=generator)
    if linear.bias is not None:
        nn.init.uniform_(linear.bias, -bound, bound, generator=generator)
    return linear


def xavier_uniform_(linear: nn.Linear, generator: torch.Generator | None = None) -> nn.Linear:
    """Glorot/Xavier uniform: W ~ U(−√(6/(fan_in+fan_out)), +…), b = 0."""
    _check_linear(linear)
    nn.init.xavier_uniform_(linear.weight, generator=generator)
    return _zero_bias(linear)


def xavier_normal_(linear: nn.Linear, generator: torch.Generator | None = None) -> nn.Linear:
    """Glorot/Xavier normal: W ~ N(0, 2/(fan_in+fan_out)) (variance), b = 0."""
    _check_linear(linear)
    nn.init.xavier_normal_(linear.weight, generator=generator)
    return _zero_bias(linear)


def kaiming_uniform_(linear: nn.Linear, generator: torch.Generator | None = None) -> nn.Linear:
    """He/Kaiming uniform for ReLU: W ~ U(−√(6/fan_in), √(6/fan_in)), b = 0."""
    _check_linear(linear)
    nn.init.kaiming_uniform_(linear.weight, nonlinearity="relu", generator=generator)
    return _zero_bias(linear)


def kaiming_normal_(linear: nn.Linear, generator: torch.Generator | None = None) -> nn.Linear:
    """He/Kaiming normal for ReLU: W ~ N(0, 2/fan_in) (variance), b = 0."""
    _check_linear(linear)
    nn.init.kaiming_normal_(linear.weight, nonlinearity="relu", generator=generator)
    return _zero_bias(linear)


def small_gaussian_(
    linear: nn.Linear, gamma: float = 2.0, m: int | None = None, generator: torch.Generator | None = None
) -> nn.Linear:
    """Small initialization of the condensation paper: W and b ~ N(0, m^(−γ)) — a VARIANCE, std m^(−γ/2).

    ``m`` is the hidden width; by default the larger side of the layer (the width m of a d–m–1 net,
    whichever side of it the layer is on). γ = 1 is the common scale, γ ≥ 2 the condensed regime.
    """
    _check_linear(linear)
    if not (isinstance(gamma, (int, float)) and math.isfinite(gamma)):
        raise ValueError(f"gamma must be a finite number, got {gamma!r}")
    m = m if m is not None else max(linear.in_features, linear.out_features)
    std = m ** (-gamma / 2)
    nn.init.normal_(linear.weight, 0.0, std, generator=generator)
    if linear.bias is not None:
        nn.init.normal_(linear.bias, 0.0, std, generator=generator)
    return linear


def _zero_bias(linear: nn.Linear) -> nn.Linear:
    if linear.bias is not None:
        nn.init.zeros_(linear.bias)
    return linear


BASELINES: dict[str, Callable[..., nn.Linear]] = {
    "pytorch_default": pytorch_default_,
    "xavier_uniform": xavier_uniform_,
    "xavier_normal": xavier_normal_,
    "kaiming_uniform": kaiming_uniform_,
    "kaiming_normal": kaiming_normal_,
    "small_gaussian": small_gaussian_,
}
METHODS = ("sfli", *BASELINES)


def initialize_(
    linear: nn.Linear,
    method: str,
    *,
    domain: DomainLike | None = None,
    activation: str = "tanh",
    generator: torch.Generator | None = None,
    **options,
) -> nn.Linear:
    """Initialize ``linear`` with a method named in :data:`METHODS` (``domain`` and ``activation`` are used by SFLI)."""
    if method == "sfli":
        if domain is None:
            raise ValueError("method 'sfli' needs the input domain")
        return sfli_(linear, domain, activation, generator=generator, **options)
    if method not in BASELINES:
        raise ValueError(f"unknown initialization {method!r}; valid: {', '.join(METHODS)}")
    return BASELINES[method](linear, generator=generator, **options)


# ---------------------------------------------------------------- the one line

def first_linear(model: nn.Module) -> tuple[str, nn.Linear]:
    """Name and module of the first ``nn.Linear`` of ``model``, in registration order."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            return name, module
    raise ValueError(f"{type(model).__name__} has no nn.Linear layer to initialize")


def infer_activation(model: nn.Module) -> str | None:
    """The model's activation: its ``activation`` attribute (a name, module or function, as in the book's
    nets and DeepXDE), else the first activation module registered after its first ``nn.Linear``."""
    name = activation_name(getattr(model, "activation", None))
    if name is not None:
        return name
    first, _ = first_linear(model)
    after = False
    for mod_name, module in model.named_modules():
        if mod_name == first:
            after = True
        elif after and (found := activation_name(module)) is not None:
            return found
    return None


from .placement import WHERE, apply_sfli  # noqa: E402  (re-exported: the one line, with its placements)


# ---------------------------------------------------------------- deep ReLU networks (sfli.relu_init)

from .relu_init import (  # noqa: E402  (re-exported: one import place for every initializer)
    RAI_SIGMA, anticorrelated_, anticorrelated_rai_, critical_sigma_w2, lps_, rai_,
)

RELU_METHODS = ("kaiming_normal", "rai", "lps", "anticorrelated", "anticorrelated_rai")
"""The deep-ReLU schemes the book compares (He normal is the symmetric baseline)."""
