r"""Chapter 2 — SFLI at initialization: the nets, their ε-ranks, and the chapter's units.

For a net with hidden layers h_1, …, h_L (L = ``depth``) on Ω = [−1, 1]^d, the neuron functions of layer l are
the m post-activations φ_i = (h_l)_i; their Gram matrix M_ij = ∫_Ω φ_i φ_j dx is computed on a tensor
Gauss–Legendre grid and r_ε = #{λ(M) > ε} (``sfli.eps_rank``). Each net is float64.

* SFLI net: every layer Xavier normal with zero bias (the MLP default), then :func:`sfli.init.sfli_` on the first
  layer. Baseline net: EVERY layer initialized by the baseline (our choice; see the chapter).
* γ sweep: the first layer re-drawn with γ = c·γ_default (same directions, offsets and phases) for c on a log grid.
* placement ablation: ``placement="quasi"`` against ``"random"`` on the whole grid (paired by seed).
* hidden-layer ablation: "sfli+b" is SFLI's first layer on a net whose other layers baseline b initializes.

Units (:func:`units`): one :class:`Cell` per (activation, d, m, seed) of the main grid (every method's net), one
:class:`QuadCheck` per (activation, d, method) at the largest width on a finer grid, one :class:`GammaSweep` per
(activation, d, seed) and node count, one :class:`FigureLayer` per pictured method, one :class:`Transitions` per
(method, d, seed). Every net draws from generators keyed by its spec (:func:`~sfli.experiments.seeding.generator`),
so a unit's result does not depend on which units ran before it. Tables and metrics: :mod:`.summaries`.
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from ...activations import family
from ...domain import Box, as_box
from ...eps_rank import eps_rank
from ...features import hidden_features
from ...init import BASELINES, METHODS, default_gamma, initialize_, sfli_
from ...nets import MLP
from ...quadrature import quadrature
from ..seeding import generator

QUASI = "sfli_quasi"  #: the SFLI net with placement="quasi" (the placement ablation)
ON = "sfli+"  #: "sfli+b": SFLI first layer, every other layer initialized by baseline b
FIGURE_METHODS = ("sfli", "xavier_normal", "pytorch_default")  #: the methods pictured in 1-D and 2-D
TRANSITION_DIMS = (1, 2, 3)  #: input dimensions of the hyperplane statistics


# ---------------------------------------------------------------- nets and their ε-ranks

def domain(dim: int) -> Box:
    """Ω = [−1, 1]^dim."""
    return as_box([(-1.0, 1.0)] * dim)


def build_net(method: str, activation: str, dim: int, width: int, depth: int, seed: int,
              gamma: float | None = None) -> MLP:
    """A float64 MLP (``depth`` hidden layers) initialized by ``method``.

    ``method``: a baseline (every layer); "sfli" (every layer Xavier normal with zero bias, then SFLI on the first);
    "sfli_quasi" (the same with ``placement="quasi"``); "sfli+b" (every layer by baseline b, then SFLI on the first).
    All nets of a cell draw their layers from the generator keyed ("net", activation, dim, width, seed), and every
    SFLI first layer from ("sfli", …): "sfli" and "xavier_normal" (and "sfli+b" and b) differ only in the first layer.
    """
    placement, init = "random", method
    if method in ("sfli", QUASI):
        placement, init = ("quasi" if method == QUASI else "random"), "xavier_normal"
    elif method.startswith(ON):
        init = method[len(ON):]
    if init not in BASELINES:
        valid = [*METHODS, QUASI, *(ON + b for b in BASELINES)]
        raise ValueError(f"unknown method {method!r}; valid: {', '.join(valid)}")
    net = MLP(dim, width, depth, activation=activation, init=init,
              generator=generator("net", activation, dim, width, seed)).double()
    if init != method:
        sfli_(net.first, domain(dim), activation, gamma=gamma, placement=placement,
              generator=generator("sfli", activation, dim, width, seed))
    return net


def methods(cfg: dict) -> list[str]:
    """The nets of each cell of the main grid: SFLI, the baselines, the placement and hidden-layer ablations."""
    return ["sfli", *cfg["baselines"], *([QUASI] if cfg["placement"] else []), *(ON + b for b in cfg["sfli_on"])]


def layer_ranks(net: nn.Module, x: torch.Tensor, w: torch.Tensor, eps: float) -> tuple[int, int]:
    """(r_ε of the first hidden layer, r_ε of the last hidden layer) on the quadrature (x, w)."""
    feats = hidden_features(net, x)
    return eps_rank(feats["hidden_1"], w, eps), eps_rank(next(reversed(feats.values())), w, eps)


def reference_gamma(activation: str, width: int, layer: nn.Linear) -> float:
    """The default γ of an SFLI layer: ``default_gamma`` (sigmoidal, periodic, radial), or, for the ReLU family
    (whose γ sfli_ sets from the drawn offsets), the norm of a weight row W_i = γ a_i, |a_i| = 1."""
    if family(activation) == "relu":
        return float(layer.weight.detach()[0].norm())
    return default_gamma(activation, width, domain(layer.in_features))


def meets_box(weight: torch.Tensor, bias: torch.Tensor, box: Box) -> torch.Tensor:
    """Whether each hyperplane {W_i·x + b_i = 0} cuts the box: min and max of W_i·x + b_i over Ω have opposite signs.

    On a box, min/max of an affine function are W_i·x_c + b_i ∓ Σ_k |W_ik| h_k (x_c the centre, h the half-widths).
    """
    center = torch.tensor(box.center, dtype=weight.dtype)
    half = torch.tensor(box.half_widths, dtype=weight.dtype)
    mid, spread = weight @ center + bias, weight.abs() @ half
    return (mid - spread < 0) & (mid + spread > 0)


def device(cfg: dict) -> torch.device:
    """The device of setting ``device`` ("auto": CUDA when available)."""
    name = cfg["device"]
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


@functools.lru_cache(maxsize=16)
def grid(dim: int, nodes: int, where: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Gauss–Legendre points and weights on [−1, 1]^dim, ``nodes`` per axis, cached (numpy's leggauss is O(n³),
    5 s at n = 4096)."""
    x, w = quadrature(domain(dim), nodes)
    return x.to(where), w.to(where)


def refined(nodes: int, factor: float) -> int:
    """⌈nodes · factor⌉: the nodes per axis of a quadrature check."""
    return int(math.ceil(nodes * factor))


# ---------------------------------------------------------------- units

@dataclass(frozen=True)
class Cell:
    """One (activation, d, m, seed) of the main grid: the (first, last) ranks of every method's net."""

    activation: str
    dim: int
    width: int
    seed: int
    kind: ClassVar[str] = "sweep"

    def run(self, cfg: dict) -> list[dict]:
        x, w = grid(self.dim, cfg["nodes"][self.dim - 1], device(cfg))
        rows = []
        for method in methods(cfg):
            net = build_net(method, self.activation, self.dim, self.width, cfg["depth"], self.seed).to(x.device)
            first, last = layer_ranks(net, x, w, cfg["eps"])
            rows.append({"activation": self.activation, "dim": self.dim, "width": self.width, "method": method,
                         "seed": self.seed, "first": first, "last": last})
        return rows


@dataclass(frozen=True)
class QuadCheck:
    """One net of the main grid recomputed with ``nodes`` per axis: its (first, last) ranks."""

    activation: str
    dim: int
    width: int
    method: str
    seed: int
    nodes: int
    kind: ClassVar[str] = "quad_check"

    def run(self, cfg: dict) -> tuple[int, int]:
        x, w = grid(self.dim, self.nodes, device(cfg))
        net = build_net(self.method, self.activation, self.dim, self.width, cfg["depth"], self.seed).to(x.device)
        return layer_ranks(net, x, w, cfg["eps"])


@dataclass(frozen=True)
class GammaSweep:
    """The SFLI net's ranks for γ = c·γ_default, c in ``gamma.multipliers``, with ``nodes`` per axis."""

    activation: str
    dim: int
    width: int
    seed: int
    nodes: int
    kind: ClassVar[str] = "gamma_sweep"

    def run(self, cfg: dict) -> list[dict]:
        act, dim, width, seed = self.activation, self.dim, self.width, self.seed
        x, w = grid(dim, self.nodes, device(cfg))
        net = build_net("sfli", act, dim, width, cfg["depth"], seed)
        g0 = reference_gamma(act, width, net.first)
        net, rows = net.to(x.device), []
        for c in cfg["gamma"]["multipliers"]:  # same generator key: same directions, offsets and phases
            sfli_(net.first, domain(dim), act, gamma=c * g0, generator=generator("sfli", act, dim, width, seed))
            first, last = layer_ranks(net, x, w, cfg["eps"])
            rows.append({"activation": act, "dim": dim, "width": width, "seed": seed, "multiplier": c,
                         "gamma": c * g0, "first": first, "last": last})
        return rows


@dataclass(frozen=True)
class FigureLayer:
    """The first layer of ``method`` (tanh, ``width`` neurons) for the pictures: neuron functions tanh(W_i x + b_i)
    on ``figure.points`` points of [−1, 1] and their ε-rank (d = 1), transition lines (d = 2)."""

    method: str
    width: int
    seed: int
    kind: ClassVar[str] = "other"

    def run(self, cfg: dict) -> tuple[list[dict], list[dict], int]:
        method, width = self.method, self.width
        x = torch.linspace(-1.0, 1.0, cfg["figure"]["points"], dtype=torch.float64)[:, None]
        xq, wq = grid(1, cfg["nodes"][0], torch.device("cpu"))
        first = build_net(method, "tanh", 1, width, cfg["depth"], self.seed).first
        with torch.no_grad():
            phi, phi_q = torch.tanh(first(x)), torch.tanh(first(xq))
        neurons = [{"method": method, "neuron": i, "x": float(x[k, 0]), "value": float(phi[k, i])}
                   for i in range(width) for k in range(len(x))]
        layer = build_net(method, "tanh", 2, width, cfg["depth"], self.seed).first
        wt, b = layer.weight.detach(), layer.bias.detach()
        lines = [{"method": method, "neuron": i, "w1": float(wt[i, 0]), "w2": float(wt[i, 1]), "b": float(b[i])}
                 for i in range(width)]
        return neurons, lines, eps_rank(phi_q, wq, cfg["eps"])


@dataclass(frozen=True)
class Transitions:
    """A first layer of ``width`` neurons on [−1, 1]^dim by ``method``: the fractions of its hyperplanes that cut Ω
    and that pass through the centre (|b_i| ≤ 1e-12·|W_i|)."""

    method: str
    dim: int
    width: int
    seed: int
    kind: ClassVar[str] = "other"

    def run(self, cfg: dict) -> tuple[float, float]:
        layer = nn.Linear(self.dim, self.width).double()
        initialize_(layer, self.method, domain=domain(self.dim), activation="tanh",
                    generator=generator("transitions", self.method, self.dim, self.seed))
        wt, b = layer.weight.detach(), layer.bias.detach()
        inside = meets_box(wt, b, domain(self.dim)).double().mean().item()
        center = (b.abs() <= 1e-12 * wt.norm(dim=1)).double().mean().item()
        return inside, center


Unit = Cell | QuadCheck | GammaSweep | FigureLayer | Transitions  #: a unit of the chapter
KINDS = ("sweep", "quad_check", "gamma_sweep", "other")  #: unit kinds, for the time/<kind>_s metrics


@dataclass(frozen=True)
class Output:
    """What :func:`run_unit` returns: the unit's ``value`` and the ``seconds`` it took."""

    value: Any
    seconds: float


def units(cfg: dict, seed_list: list[int]) -> list[Unit]:
    """Every unit of the chapter at settings ``cfg``; the quadrature checks and the pictures use the first seed."""
    first, acts, dims, widths = seed_list[0], cfg["activations"], cfg["dims"], cfg["widths"]
    g, nodes = cfg["gamma"], cfg["nodes"]
    out: list[Unit] = [Cell(a, d, m, s) for a in acts for d in dims for m in widths for s in seed_list]
    out += [QuadCheck(a, d, max(widths), method, first, refined(nodes[d - 1], cfg["quad_check"]["factor"]))
            for d in dims for a in acts for method in cfg["quad_check"]["methods"]]
    out += [GammaSweep(a, d, g["width"], s, nodes[d - 1]) for a in g["activations"] for d in g["dims"]
            for s in seed_list]
    out += [GammaSweep(a, d, g["width"], first, refined(nodes[d - 1], g["check_factor"]))
            for a in g["activations"] for d in g["dims"]]
    out += [FigureLayer(method, cfg["figure"]["width"], first) for method in FIGURE_METHODS]
    out += [Transitions(method, d, cfg["transitions"]["width"], s) for method in ["sfli", *cfg["baselines"]]
            for d in TRANSITION_DIMS for s in seed_list]
    return list(dict.fromkeys(out))  # a γ check with factor 1 is the sweep's own unit


def run_unit(unit: Unit, cfg: dict) -> Output:
    """Run one unit at settings ``cfg``, timed."""
    start = time.perf_counter()
    value = unit.run(cfg)
    return Output(value, time.perf_counter() - start)


def unit_seconds(results: dict[Unit, Output]) -> dict[str, float]:
    """Seconds spent in the units of each kind, and their ``total``."""
    t = {kind: sum(o.seconds for u, o in results.items() if u.kind == kind) for kind in KINDS}
    return {**t, "total": sum(t.values())}
